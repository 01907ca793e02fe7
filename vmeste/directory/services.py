"""Measures, named rules and eligibility: the only code that writes them, and the reads the
API, the UI and the call card share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import BooleanField, Case, Count, Max, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts.access import Kind, readable
from vmeste.accounts.roles import Right
from vmeste.assistance.models import CLOSED_STATUSES, Request
from vmeste.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Category, Region
from vmeste.directory.eligibility import sql
from vmeste.directory.eligibility.engine import (
    Assessment,
    MeasureIndex,
    MeasureSpec,
    assess,
    compile_measure,
)
from vmeste.directory.eligibility.facts import FACTS, SITUATION_FLAGS
from vmeste.directory.eligibility.validate import validate
from vmeste.directory.models import EligibilityRule, Measure, RegionFacts
from vmeste.directory.rules import history as rule_history
from vmeste.directory.text import text_q
from vmeste.people.models import Person

TEXT_MAX = 5000
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
LIMITS = {"name": 300, "municipality": 200, "agency": 300, "processing_time": 200}


@dataclass
class MeasureInput:
    code: str
    name: str
    level: str
    regions: list[str] = field(default_factory=list)
    municipality: str = ""
    agency: str = ""
    needs: list[str] = field(default_factory=list)
    eligibility: dict = field(default_factory=dict)
    required_documents: list[str] = field(default_factory=list)
    apply_channels: list[str] = field(default_factory=list)
    how_to_apply: str = ""
    processing_time: str = ""
    description: str = ""
    is_active: bool = True
    is_demo: bool = False


def _require(user, right: str) -> None:
    if not user.can(right):
        raise Forbidden()


def rules_by_code() -> dict[str, dict]:
    return dict(EligibilityRule.objects.values_list("code", "condition"))


def region_codes() -> frozenset[str]:
    return frozenset(Region.objects.values_list("code", flat=True))


def check_measure(data: MeasureInput, *, rules: dict | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if not SLUG.fullmatch(data.code):
        errors["code"] = [_("Код: латиница, цифры и дефисы, до 80 символов.")]
    if not data.name.strip():
        errors["name"] = [_("Укажите название.")]
    for name, limit in LIMITS.items():
        if len(getattr(data, name)) > limit:
            errors[name] = [_("Не длиннее %d символов.") % limit]
    if any(not isinstance(d, str) or len(d) > 300 for d in data.required_documents):
        errors["required_documents"] = [_("Документы — строки до 300 символов.")]
    if data.level not in Measure.Level.values:
        errors["level"] = [_("Уровень: федеральная, региональная или муниципальная.")]
    codes = region_codes()
    unknown = [c for c in data.regions if c not in codes]
    if unknown:
        errors["regions"] = [_("Неизвестные регионы: %s.") % ", ".join(unknown)]
    elif data.level != Measure.Level.FEDERAL and not data.regions:
        errors["regions"] = [_("Для региональной и муниципальной меры укажите регионы.")]
    known_needs = set(Category.objects.filter(code__in=data.needs).values_list("code", flat=True))
    if set(data.needs) - known_needs:
        missing = ", ".join(sorted(set(data.needs) - known_needs))
        errors["needs"] = [_("Неизвестные категории: %s.") % missing]
    bad_channels = set(data.apply_channels) - set(Measure.Channel.values)
    if bad_channels:
        errors["apply_channels"] = [_("Способы подачи: online, mfc, agency.")]
    for name in ("how_to_apply", "description"):
        if len(getattr(data, name)) > TEXT_MAX:
            errors[name] = [_("Не длиннее %d символов.") % TEXT_MAX]
    errors.update(
        validate(
            data.eligibility,
            rules=rules if rules is not None else rules_by_code(),
            region_codes=codes,
        )
    )
    if errors:
        raise ValidationFailed(errors, _("Мера не сохранена: исправьте условия."))


@transaction.atomic
def save_measure(
    *, data: MeasureInput, actor, measure_id: int | None = None, channel: str = "api"
) -> Measure:
    """Create or replace a measure; its eligibility is checked before anything is written."""
    _require(actor, Right.EDIT_REFERENCE)
    check_measure(data)
    if measure_id is None:
        if Measure.objects.filter(code=data.code).exists():
            raise ValidationFailed({"code": _("Мера с кодом «%s» уже есть.") % data.code})
        measure = Measure(code=data.code)
    else:
        measure = Measure.objects.select_for_update().filter(pk=measure_id).first()
        if measure is None:
            raise NotFound(_("Мера не найдена."))
    return write_measure(measure, data, actor=actor, channel=channel)


def write_measure(
    measure: Measure, data: MeasureInput, *, actor=None, channel: str = "cli"
) -> Measure:
    """Store checked input on a measure (new or existing); the version counts the edits and
    a change of its conditions lands in their history."""
    before = measure.eligibility if measure.pk else None
    if measure.pk:
        measure.version += 1
    for name in (
        "code", "name", "level", "municipality", "agency", "eligibility", "required_documents",
        "apply_channels", "how_to_apply", "processing_time", "description", "is_active", "is_demo",
    ):  # fmt: skip
        setattr(measure, name, getattr(data, name))
    measure.save()
    measure.regions.set(Region.objects.filter(code__in=data.regions))
    measure.needs.set(Category.objects.filter(code__in=data.needs))
    rule_history.record_change(
        subject=rule_history.Subject.MEASURE, object_id=measure.pk, code=measure.code,
        version=measure.version, before=before, after=measure.eligibility, actor=actor,
        channel=channel,
    )  # fmt: skip
    return measure


def stale_message(subject: str, object_id: int, version: int) -> str:
    """«Кто-то уже сохранил»: who and when, so the editor knows whom to ask."""
    change = rule_history.last_change(subject=subject, object_id=object_id)
    if change is None:
        return _(
            "Пока вы редактировали, условия изменились (теперь версия %(v)s). Ваши изменения "
            "не сохранены: откройте правило заново и внесите их ещё раз."
        ) % {"v": version}
    who = change.actor.display_name if change.actor else _("система")
    when = timezone.localtime(change.at).strftime("%d.%m.%Y %H:%M")
    return _(
        "Пока вы редактировали, условия изменил(а) %(who)s в %(when)s (версия %(v)s). Ваши "
        "изменения не сохранены: откройте правило заново и внесите их ещё раз."
    ) % {"who": who, "when": when, "v": version}


@transaction.atomic
def save_rule(
    *,
    code: str,
    name: str,
    condition: dict,
    actor,
    description: str = "",
    expected_version: int | None = None,
    channel: str = "api",
) -> EligibilityRule:
    """A named rule; refused if it breaks itself (cycles) or any measure that uses it, or if
    `expected_version` (the version the editor saw; None for a new rule through the API) is
    no longer the stored one."""
    _require(actor, Right.EDIT_REFERENCE)
    if not SLUG.fullmatch(code):
        raise ValidationFailed({"code": _("Код: латиница, цифры и дефисы, до 80 символов.")})
    current = EligibilityRule.objects.select_for_update().filter(code=code).first()
    if expected_version is not None:
        if current is None and expected_version != 0:
            raise NotFound(_("Правило не найдено."))
        if current is not None and current.version != expected_version:
            raise Conflict(stale_message(rule_history.Subject.RULE, current.pk, current.version))
    rules = {**rules_by_code(), code: condition}
    errors = validate(
        condition, rules=rules, region_codes=region_codes(), path="condition", own_code=code
    )
    if not name.strip() or len(name) > 300:
        errors["name"] = [_("Название: от 1 до 300 символов.")]
    if errors:
        raise ValidationFailed(errors, _("Правило не сохранено."))
    for measure in Measure.objects.filter(is_active=True).only("code", "eligibility"):
        if f'"{code}"' in _dumps(measure.eligibility):
            broken = validate(measure.eligibility, rules=rules, region_codes=region_codes())
            if broken:
                raise ValidationFailed(
                    {
                        "condition": _("Мера «%s» с этим правилом становится противоречивой.")
                        % measure.code
                    }
                )
    before = current.condition if current else None
    rule = current or EligibilityRule(code=code, version=0)
    rule.name, rule.condition, rule.description = name, condition, description
    rule.version += 1
    rule.save()
    rule_history.record_change(
        subject=rule_history.Subject.RULE, object_id=rule.pk, code=code, version=rule.version,
        before=before, after=condition, actor=actor, channel=channel,
    )  # fmt: skip
    return rule


def _dumps(tree) -> str:
    import json

    return json.dumps(tree, ensure_ascii=False)


# --- the engine over the database -----------------------------------------------------------

_cache: dict = {"key": None, "measures": []}


def compiled_measures() -> MeasureIndex:
    """All active measures compiled once; recompiled when a measure or a rule changes."""
    key = (
        tuple(Measure.objects.aggregate(n=Count("pk"), t=Max("updated_at")).values()),
        tuple(EligibilityRule.objects.aggregate(n=Count("pk"), t=Max("updated_at")).values()),
    )
    if _cache["key"] != key:
        rules = rules_by_code()
        measures = Measure.objects.filter(is_active=True).prefetch_related("regions", "needs")
        _cache["measures"] = MeasureIndex(
            [
                compile_measure(
                    MeasureSpec(
                        id=m.pk,
                        name=m.name,
                        condition=m.eligibility,
                        regions=frozenset(r.code for r in m.regions.all()),
                        needs=tuple(c.code for c in m.needs.all()),
                    ),
                    rules,
                )
                for m in measures
            ]
        )
        _cache["key"] = key
    return _cache["measures"]


def profile_of(person: Person, *, today: date | None = None) -> dict:
    """The facts the rules read, from a Person. None = unknown (no birth date, no income…)."""
    today = today or timezone.localdate()
    minimum = None
    if person.region_id:
        facts = RegionFacts.objects.filter(region_id=person.region_id).first()
        minimum = float(facts.subsistence_minimum) if facts else None
    profile = {
        "age": person.age_on(today),
        "region": person.region.code if person.region_id else None,
        "disability_group": person.disability_group,
        "has_disability": bool(person.disability_group),
        "household_size": person.household_size,
        "income_per_member": (
            float(person.income_per_member) if person.income_per_member is not None else None
        ),
        "subsistence_minimum": minimum,
    }
    profile.update({code: getattr(person, code) for code in SITUATION_FLAGS})
    return profile


def assess_person(person: Person) -> Assessment:
    return assess(compiled_measures(), profile_of(person))


def verdict_item(verdict, codes: dict[int, str]) -> dict:
    return {
        "id": verdict.id,
        "code": codes.get(verdict.id, ""),
        "name": verdict.name,
        "reasons": verdict.reasons,
        "summary": "; ".join(verdict.reasons),
        "ask": [
            {"fact": c, "label": FACTS[c].label, "question": FACTS[c].question} for c in verdict.ask
        ],
        "needs": list(verdict.needs),
    }


def open_needs(person: Person) -> list[tuple[str, str | None]]:
    """(section, subcategory) of the person's open requests: what they still need."""
    rows = (
        Request.objects.filter(person=person)
        .exclude(status__in=CLOSED_STATUSES)
        .values_list("category__code", "subcategory__code")
    )
    return list(dict.fromkeys(rows))


# --- bulk -----------------------------------------------------------------------------------


def candidates_q(measure: Measure, *, prefix: str = "", today: date | None = None) -> sql.Compiled:
    return sql.compile_q(
        measure.eligibility,
        rules=rules_by_code(),
        today=today or timezone.localdate(),
        prefix=prefix,
        regions=frozenset(measure.regions.values_list("code", flat=True)),
    )


def persons_that_may_qualify(measure: Measure, *, today: date | None = None) -> QuerySet[Person]:
    """One query over the whole table: persons not surely excluded by the measure's rules."""
    today = today or timezone.localdate()
    compiled = candidates_q(measure, today=today)
    return sql.annotate(Person.objects.filter(merged_into__isnull=True), today=today).filter(
        compiled.may
    )


def requests_that_may_qualify(
    *, measure_id: int, user, today: date | None = None
) -> QuerySet[Request]:
    """Open requests in the user's scope whose person may qualify for the measure."""
    _require(user, Right.HANDLE_REQUESTS)
    measure = Measure.objects.filter(pk=measure_id).first()
    if measure is None:
        raise NotFound(_("Мера не найдена."))
    today = today or timezone.localdate()
    compiled = candidates_q(measure, prefix="person__", today=today)
    open_requests = readable(
        Request.objects.exclude(status__in=CLOSED_STATUSES), user, Kind.REQUEST
    )
    return (
        sql.annotate(open_requests, today=today, prefix="person__")
        .filter(compiled.may)
        .annotate(surely=_surely(compiled))
        .select_related("person", "region", "category")
        .order_by("-created_at")
    )


def _surely(compiled: sql.Compiled):
    # A measure without rules is certain for everyone: its condition is the empty Q, which
    # When() refuses, so it is the constant True rather than a CASE.
    if not compiled.true:
        return Value(True, output_field=BooleanField())
    return Case(When(compiled.true, then=True), default=False, output_field=BooleanField())


def measures_for_listing(*, region: str = "", need: str = "", text: str = "") -> QuerySet[Measure]:
    qs = Measure.objects.filter(is_active=True).prefetch_related("regions", "needs")
    if region:
        qs = qs.filter(Q(regions__code=region) | Q(regions__isnull=True)).distinct()
    if need:
        qs = qs.filter(Q(needs__code=need) | Q(needs__parent__code=need)).distinct()
    if text:
        qs = qs.filter(text_q(text, "name", "description"))
    return qs
