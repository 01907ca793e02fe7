"""Persons: lookup by phone, the card as each user may see it, and its edits. Input checks
are in `inputs`, registration with consent in `registration`, merging in `merging`."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vmeste.accounts import audit
from vmeste.accounts.access import Kind, readable, require, sees_full
from vmeste.accounts.roles import Right
from vmeste.core import refcache
from vmeste.core.errors import Forbidden, NotFound, ValidationFailed
from vmeste.core.scoping import scoped
from vmeste.core.timeline import record_event
from vmeste.people.inputs import (
    CONSENT_NEEDED,
    DUPLICATE_THRESHOLD,
    NAME_MAX,
    PersonInput,
    apply_input,
    check_region,
    validate,
)
from vmeste.people.models import ConsentStatus, Person, PersonPhone
from vmeste.people.phones import InvalidPhone, mask, normalise
from vmeste.people.registration import find_or_register, record_consent

# The app's service surface for other apps: one import for lookup, input and registration.
__all__ = [
    "DUPLICATE_THRESHOLD",
    "NAME_MAX",
    "PersonInput",
    "display",
    "find_by_phone",
    "find_or_register",
    "get_person",
    "record_consent",
    "update_person",
    "validate",
    "visible_phone",
]


def _phones_of(e164: str) -> QuerySet[Person]:
    return Person.objects.filter(phones__e164=e164, merged_into__isnull=True)


def find_by_phone(
    *,
    phone: str,
    user,
    channel: str | None = None,
    purpose: str = audit.Purpose.CALL,
) -> list[Person]:
    """Persons with this number in the user's scope, newest first. The lookup is audited,
    also when it finds nobody: asking whether a number is known is itself a disclosure."""
    require(user, Kind.PERSON)
    try:
        e164 = normalise(phone).e164
    except InvalidPhone as exc:
        raise ValidationFailed({"phone": _("Некорректный номер телефона.")}) from exc
    persons = list(
        scoped(_phones_of(e164), user).prefetch_related("phones").order_by("-created_at")[:20]
    )
    for person in persons:
        # From the process's reference snapshot rather than a join (see `core.refcache`).
        person.region = refcache.region(person.region_id)
    audit.record(
        user=user,
        action=audit.Action.LOOKUP,
        purpose=purpose,
        shown={Kind.PERSON: [p.pk for p in persons]},
        channel=channel,
        detail=mask(e164),
    )
    return persons


def get_person(
    *,
    person_id: int,
    user,
    channel: str | None = None,
    purpose: str = audit.Purpose.CASEWORK,
    also_shown: Callable[[Person], dict] | None = None,
) -> Person:
    """Open a person's card: scoped (out of scope = not found) and written to the audit log.
    Roles the access policy keeps from persons (analysts count, couriers and volunteers see
    people only through their own tasks) are refused. `also_shown(person)` names the other
    records shown beside the card (`{"request": [ids], …}`): the same one audit entry."""
    person = (
        readable(Person.objects.all(), user, Kind.PERSON)
        .select_related("region", "merged_into")
        .prefetch_related("phones")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise NotFound(_("Человек не найден."))
    audit.record(
        user=user,
        action=audit.Action.VIEW,
        purpose=purpose,
        shown={Kind.PERSON: [person.pk], **(also_shown(person) if also_shown else {})},
        channel=channel,
    )
    return person


def visible_phone(e164: str, user) -> str:
    """The number as this user may see it: whole where the access policy shows persons in
    full, else masked."""
    return e164 if sees_full(user, Kind.PERSON) else mask(e164)


def display(person: Person, user) -> dict:
    """The card as this user may see it: phone, address and birth date masked unless the
    access policy shows persons to the user in full."""
    open_ = sees_full(user, Kind.PERSON)
    phones = [visible_phone(p.e164, user) for p in person.phones.all()]
    return {
        "id": person.pk,
        "version": person.version,
        "last_name": person.last_name,
        "first_name": person.first_name,
        "middle_name": person.middle_name,
        "full_name": person.full_name,
        "phones": phones,
        "birth_date": (person.birth_date.isoformat() if person.birth_date else None)
        if open_
        else None,
        "age": person.age,
        "region": person.region.code if person.region else None,
        "address": person.address if open_ else ("***" if person.address else ""),
        "disability_group": person.disability_group,
        "flags": person.flags,
        "flags_no": person.flags_no,
        "household_size": person.household_size,
        "consent": person.consent,
        "consent_withdrawn": person.consent_withdrawn,
        "merged_into": person.merged_into_id,
        "masked": not open_,
    }


@transaction.atomic
def update_person(
    *, person_id: int, data: PersonInput, actor, expected_version: int | None = None
) -> Person:
    """Change a card. The version the user saw must still be current: a second writer of a
    stale card gets a conflict instead of overwriting what the first one saved."""
    if not actor.can(Right.REGISTER):
        raise Forbidden()
    person = scoped(Person.objects.select_for_update(), actor).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("Человек не найден."))
    person.check_version(
        expected_version,
        _("Карточку уже изменил другой пользователь. Обновите её: ваши правки не сохранены."),
    )
    if person.consent != ConsentStatus.GIVEN and data.has_personal_data():
        raise ValidationFailed({"consent": _(CONSENT_NEEDED)}, code="consent_required")
    e164 = validate(data, phone_required=False)
    check_region(actor, data.region)
    changes = apply_input(person, data)
    if e164 and not person.phones.filter(e164=e164).exists():
        PersonPhone.objects.create(person=person, e164=e164, kind=normalise(e164).kind)
        changes["phones"] = [None, e164]
    if changes:
        person.version += 1
        person.save()
        record_event(person, "updated", actor=actor, data=changes)
    return person
