"""What a caller is entitled to and who can help: measures by eligibility, then services of
organizations for the needs the measures leave open, in the caller's region."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from vmeste.accounts import audit
from vmeste.core.models import Category
from vmeste.directory import services
from vmeste.directory.eligibility.engine import assess
from vmeste.directory.eligibility.facts import DISABILITY_GROUPS, FACTS, SITUATION_FLAGS
from vmeste.directory.eligibility.ranking import ServiceSpec, rank_services
from vmeste.directory.models import (
    Attribute,
    Measure,
    Phone,
    RegionFacts,
    Service,
    ServiceArea,
    TaxonomyTerm,
)
from vmeste.directory.text import text_q
from vmeste.people import services as people
from vmeste.people.models import Person


def need_names() -> dict[str, str]:
    return {c.code: c.name for c in Category.objects.all()}


def _candidate_services(
    region: str | None, need_codes: set[str], *, anywhere: bool = False
) -> QuerySet[Service]:
    qs = Service.objects.filter(status=Service.Status.ACTIVE, is_published=True).filter(
        Q(organization__isnull=True) | Q(organization__is_published=True)
    )
    regional = ServiceArea.objects.filter(region__isnull=False)
    in_region = (
        Q(pk__in=regional.filter(region__code=region).values("service_id")) if region else Q()
    )
    nationwide = ~Q(pk__in=regional.values("service_id"))
    if region:
        qs = qs.filter(in_region | nationwide)
    elif not anywhere:
        qs = qs.filter(nationwide)
    if need_codes:
        terms = TaxonomyTerm.objects.filter(code__in=need_codes).values("pk")
        qs = qs.filter(
            pk__in=Attribute.objects.filter(taxonomy_term_id__in=terms).values("link_id")
        )
    return qs.select_related("organization")


def service_specs(region: str | None, need_codes: set[str]) -> list[ServiceSpec]:
    candidates = list(_candidate_services(region, need_codes)[:500])
    ids = [s.pk for s in candidates]
    term_code = dict(TaxonomyTerm.objects.values_list("pk", "code"))
    needs: dict[str, set[str]] = {}
    for link_id, term_id in Attribute.objects.filter(link_id__in=ids).values_list(
        "link_id", "taxonomy_term_id"
    ):
        if term_id in term_code:
            needs.setdefault(link_id, set()).add(term_code[term_id])
    regions: dict[str, set[str]] = {}
    for service_id, code in ServiceArea.objects.filter(
        service_id__in=ids, region__isnull=False
    ).values_list("service_id", "region__code"):
        regions.setdefault(service_id, set()).add(code)
    return [
        ServiceSpec(
            id=s.pk,
            name=s.name,
            organization=s.organization.name if s.organization_id else "",
            needs=frozenset(needs.get(s.pk, ())),
            regions=frozenset(regions.get(s.pk, ())),
            minimum_age=s.minimum_age,
            maximum_age=s.maximum_age,
        )
        for s in candidates
    ]


def phones_of(service_ids: list[str]) -> dict[str, list[str]]:
    phones: dict[str, list[str]] = {}
    for service_id, number in Phone.objects.filter(service_id__in=service_ids).values_list(
        "service_id", "number"
    ):
        phones.setdefault(service_id, []).append(number)
    return phones


def ranked_services(
    *, region: str | None, needs: list[tuple[str, str | None]], age: int | None, limit: int = 10
) -> list[dict]:
    codes = {code for pair in needs for code in pair if code}
    ranked = rank_services(
        service_specs(region, codes),
        region=region,
        needs=needs,
        age=age,
        need_names=need_names(),
        limit=limit,
    )
    phones = phones_of([r.service.id for r in ranked])
    return [
        {
            "id": r.service.id,
            "name": r.service.name,
            "organization": r.service.organization,
            "score": r.score,
            "reasons": r.reasons,
            "covers": r.covers,
            "phones": phones.get(r.service.id, []),
        }
        for r in ranked
    ]


def needs_from_codes(codes: list[str]) -> list[tuple[str, str | None]]:
    """Category codes (sections or subcategories) as (section, subcategory) pairs."""
    pairs = []
    for category in Category.objects.select_related("parent").filter(code__in=codes):
        pairs.append(
            (category.parent.code, category.code) if category.parent_id else (category.code, None)
        )
    return pairs


def navigate(person: Person, *, needs: list[tuple[str, str | None]] | None = None) -> dict:
    """The navigator's answer for one person (already opened and audited by the caller).
    Needs: the given ones, else those of the person's open requests."""
    needs = services.open_needs(person) if needs is None else needs
    return navigate_profile(services.profile_of(person), needs=needs)


def navigate_profile(profile: dict, *, needs: list[tuple[str, str | None]]) -> dict:
    """The same answer for facts said on the phone before any person is registered."""
    assessment = assess(services.compiled_measures(), profile)
    codes = dict(Measure.objects.values_list("pk", "code"))
    covered = {code for v in assessment.eligible for code in v.needs}
    parents = dict(
        Category.objects.filter(parent__isnull=False).values_list("code", "parent__code")
    )
    covered |= {parents[c] for c in covered if c in parents}
    remaining = [(section, sub) for section, sub in needs if (sub or section) not in covered]
    return {
        "eligible": [services.verdict_item(v, codes) for v in assessment.eligible],
        "maybe": [services.verdict_item(v, codes) for v in assessment.maybe],
        "ineligible": [services.verdict_item(v, codes) for v in assessment.ineligible],
        "services": ranked_services(
            region=profile.get("region"), needs=remaining, age=profile.get("age")
        ),
        "ask": [
            {
                "fact": code,
                "label": FACTS[code].label,
                "question": FACTS[code].question,
            }
            for code in assessment.ask
        ],
        "needs": [sub or section for section, sub in needs],
    }


def profile_from_params(params, *, today=None) -> dict:
    """Facts from a query string: unknown unless given. Reads our names (`age`, `region`,
    flags…) and the call card's (`person.birth_date`, `person.<fact>`, `intake.<fact>`)."""
    today = today or timezone.localdate()

    def raw(name: str) -> str | None:
        for key in (name, f"person.{name}", f"intake.{name}"):
            if key in params:
                return str(params.get(key, "")).strip()
        return None

    def number(name: str) -> float | None:
        try:
            value = float(raw(name) or "")
        except ValueError:
            return None
        return value if 0 <= value < 10_000_000 else None

    region = (raw("region") or "").upper() or None
    minimum = None
    if region:
        minimum = (
            RegionFacts.objects.filter(region__code=region)
            .values_list("subsistence_minimum", flat=True)
            .first()
        )
    age = number("age")
    born = parse_date(raw("birth_date") or "")
    if born and born <= today:
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    household = number("household_size")
    disability = raw("disability_group")
    profile = {
        "age": int(age) if age is not None else None,
        "region": region,
        "household_size": int(household) if household is not None else None,
        "income_per_member": number("income_per_member"),
        "subsistence_minimum": float(minimum) if minimum is not None else None,
        "disability_group": disability if disability in (*DISABILITY_GROUPS, "") else None,
    }
    profile["has_disability"] = (
        None if profile["disability_group"] is None else bool(profile["disability_group"])
    )
    for flag in SITUATION_FLAGS:
        said = raw(flag)
        if said is not None:
            profile[flag] = said.lower() in ("1", "on", "true", "yes", "да")
    return profile


def needs_from_params(params) -> list[tuple[str, str | None]]:
    codes = [c for c in params.getlist("need") if c] or [params.get("category", "")]
    return needs_from_codes([c for c in codes if c])


def eligibility_for(
    *, person_id: int, user, channel: str | None = None, needs: list[str] | None = None
) -> dict:
    """Scoped (out of scope = not found) and audited like opening the person's card: the
    answer speaks of the person's age, income and situation, so the access policy decides
    as for the card (`people.get_person`)."""
    person = people.get_person(
        person_id=person_id, user=user, channel=channel, purpose=audit.Purpose.ELIGIBILITY
    )
    return navigate(person, needs=needs_from_codes(needs) if needs else None)


def services_matching(*, region: str = "", need: str = "", text: str = "") -> QuerySet[Service]:
    """The operator's directory search: by region, need (section or subcategory) and text,
    by name (the pages page through it)."""
    codes = set()
    if need:
        codes = {need} | set(
            Category.objects.filter(parent__code=need).values_list("code", flat=True)
        )
    qs = _candidate_services(region or None, codes, anywhere=not region)
    if text:
        qs = qs.filter(text_q(text, "name", "description", "organization__name"))
    return qs.order_by("name", "pk")


def search_services(
    *, region: str = "", need: str = "", text: str = "", limit: int = 50
) -> list[Service]:
    """The first `limit` services of the search (the API and the call card's panel)."""
    return list(services_matching(region=region, need=need, text=text)[:limit])
