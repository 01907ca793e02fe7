"""Duplicates and merging: two cards of one person become one, history kept.

Both cards must be in the actor's scope; cards of two regions are merged only by a role
that may merge across regions (supervisor, administrator), and the audit entry names the
regions."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from vmeste.accounts import audit
from vmeste.accounts.access import Kind, readable
from vmeste.accounts.roles import Right
from vmeste.core import refcache
from vmeste.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vmeste.core.scoping import scoped
from vmeste.core.timeline import record_event
from vmeste.people import matching
from vmeste.people.inputs import DUPLICATE_THRESHOLD, PersonInput, apply_input
from vmeste.people.models import Person


def _phones_of_any(numbers: list[str]):
    return Person.objects.filter(phones__e164__in=numbers, merged_into__isnull=True)


def possible_duplicates(*, person: Person, user, limit: int = 10) -> list[tuple[Person, int]]:
    """Other persons with the same birth date and region and a similar name (score 0–100);
    for those who may merge across regions, also the same number and a compatible name
    in another region of their scope. The ones shown are audited."""
    found = _same_birth_date(person, user)
    if user.can(Right.MERGE_ACROSS_REGIONS):
        found += _same_number_elsewhere(person, user)
    found.sort(key=lambda pair: -pair[1])
    found = found[:limit]
    if found:
        audit.record(
            user=user,
            action=audit.Action.SEARCH,
            purpose=audit.Purpose.MERGE,
            shown={Kind.PERSON: [other.pk for other, _score in found]},
            detail=f"duplicates of person:{person.pk}",
        )
    return found


def _name_score(person: Person, other: Person) -> int:
    return int(fuzz.token_sort_ratio(person.full_name.lower(), other.full_name.lower()))


def _same_birth_date(person: Person, user) -> list[tuple[Person, int]]:
    if not person.birth_date or not person.region_id:
        return []
    candidates = readable(
        Person.objects.filter(
            birth_date=person.birth_date, region_id=person.region_id, merged_into__isnull=True
        ).exclude(pk=person.pk),
        user,
        Kind.PERSON,
    )[:200]
    scored = [(other, _name_score(person, other)) for other in candidates]
    return [(other, score) for other, score in scored if score >= DUPLICATE_THRESHOLD]


def _same_number_elsewhere(person: Person, user) -> list[tuple[Person, int]]:
    numbers = [phone.e164 for phone in person.phones.all()]
    candidates = (
        readable(_phones_of_any(numbers), user, Kind.PERSON)
        .exclude(pk=person.pk)
        .exclude(region_id=person.region_id)
        .select_related("region")
        .distinct()[:50]
    )
    wanted = matching.short_name(person.last_name, person.first_name)
    return [
        (other, _name_score(person, other))
        for other in candidates
        if matching.names_agree(wanted, matching.short_name(other.last_name, other.first_name))
    ]


@transaction.atomic
def merge(*, keep_id: int, absorb_id: int, actor) -> Person:
    """Fold `absorb` into `keep`: phones, contacts, requests and consents move; the absorbed
    record stays, pointing at the kept one, so history and old links still resolve."""
    if not actor.can(Right.MERGE_PERSONS):
        raise Forbidden()
    if keep_id == absorb_id:
        raise ValidationFailed({"absorb": _("Нельзя объединить человека с самим собой.")})
    persons = {
        p.pk: p
        for p in scoped(Person.objects.select_for_update(), actor).filter(
            pk__in=[keep_id, absorb_id]
        )
    }
    if len(persons) != 2:
        raise NotFound(_("Человек не найден."))
    keep, absorb = persons[keep_id], persons[absorb_id]
    if keep.merged_into_id or absorb.merged_into_id:
        raise Conflict(_("Одна из карточек уже объединена с другой."), code="already_merged")
    across = _regions_crossed(keep, absorb, actor)
    _move_phones(absorb, keep)
    moved = {
        "contacts": absorb.contacts.update(person=keep),
        "requests": absorb.requests.update(person=keep),
        "consents": absorb.consents.update(person=keep),
    }
    fill = _as_input(absorb)
    fill.flags = {code: on for code, on in fill.flags.items() if getattr(keep, code) is None}
    filled = apply_input(keep, fill)
    keep.version += 1
    keep.save()
    absorb.merged_into = keep
    absorb.version += 1
    absorb.save(update_fields=["merged_into", "version", "updated_at"])
    regions = {"regions": across} if across else {}
    record_event(
        keep, "merged_in", actor=actor, data={"from": absorb.pk, **moved, **filled, **regions}
    )
    record_event(absorb, "merged_away", actor=actor, data={"into": keep.pk, **regions})
    audit.record(
        user=actor,
        action=audit.Action.MERGE,
        purpose=audit.Purpose.MERGE,
        shown={Kind.PERSON: [keep.pk, absorb.pk]},
        detail=" → ".join(across) if across else "",
    )
    return keep


def _regions_crossed(keep: Person, absorb: Person, actor) -> list[str] | None:
    """[absorbed card's region, kept card's region] when they differ ("" for none), if the
    actor may merge across regions. Both cards were found in the actor's scope: they hold
    both regions; the role must allow it too."""
    if keep.region_id == absorb.region_id:
        return None
    if not actor.can(Right.MERGE_ACROSS_REGIONS):
        raise Forbidden(
            _(
                "Карточки из разных регионов объединяет супервизор или администратор,"
                " работающий с обоими регионами."
            )
        )
    codes = [refcache.region(p.region_id) if p.region_id else None for p in (absorb, keep)]
    return [region.code if region else "" for region in codes]


def _move_phones(absorb: Person, keep: Person) -> None:
    known = set(keep.phones.values_list("e164", flat=True))
    for phone in absorb.phones.all():
        if phone.e164 in known:
            phone.delete()
        else:
            phone.person = keep
            phone.is_primary = False
            phone.save(update_fields=["person", "is_primary"])


def _as_input(person: Person) -> PersonInput:
    """The absorbed card's facts, used only to fill what the kept card lacks."""
    return PersonInput(
        last_name="",
        first_name="",
        middle_name="",
        birth_date=None,
        address=person.address,
        disability_group=person.disability_group,
        household_size=person.household_size,
        income_per_member=person.income_per_member,
        region=None,
        flags={**dict.fromkeys(person.flags, True), **dict.fromkeys(person.flags_no, False)},
    )
