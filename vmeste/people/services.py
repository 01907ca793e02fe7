"""Persons: registration with consent, lookup by phone, duplicates, merging, masking, audit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vmeste.accounts import audit
from vmeste.accounts.access import Kind, readable, require, sees_full
from vmeste.accounts.roles import Right
from vmeste.core import refcache
from vmeste.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Region
from vmeste.core.scoping import scoped
from vmeste.people import matching
from vmeste.people.models import (
    SITUATION_FLAGS,
    Consent,
    ConsentStatus,
    DisabilityGroup,
    Person,
    PersonEvent,
    PersonPhone,
)
from vmeste.people.phones import InvalidPhone, mask, normalise

NAME_MAX = 100
DUPLICATE_THRESHOLD = 85
CONSENT_NEEDED = gettext_noop(
    "Без согласия на обработку персональных данных можно сохранить только номер телефона."
)  # rapidfuzz token ratio of full names, 0–100

# Fields that are personal data beyond the number: stored only with consent.
PERSONAL_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "age",
    "address",
    "disability_group",
    "household_size",
    "income_per_member",
)


@dataclass
class PersonInput:
    phone: str = ""
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    birth_date: date | None = None
    age: int | None = None
    region: Region | None = None
    address: str = ""
    disability_group: str = ""
    household_size: int | None = None
    income_per_member: Decimal | None = None
    flags: dict[str, bool | None] = field(default_factory=dict)

    def has_personal_data(self) -> bool:
        # A "no" about one's health or family is personal data too.
        return any(getattr(self, name) not in ("", None) for name in PERSONAL_FIELDS) or any(
            value is not None for value in self.flags.values()
        )


def validate(data: PersonInput, *, prefix: str = "person", phone_required: bool = True) -> str:
    """Check the input and return the phone in E.164 ("" when absent and not required);
    raise ValidationFailed naming the fields."""
    errors: dict[str, str] = {}
    e164 = ""
    try:
        if data.phone or phone_required:
            e164 = normalise(data.phone).e164
    except InvalidPhone:
        errors["phone"] = (
            _("Укажите номер телефона.")
            if not data.phone.strip()
            else _("Некорректный номер телефона: «%s».") % data.phone[:40]
        )
    for name in ("last_name", "first_name", "middle_name"):
        value = getattr(data, name)
        if len(value) > NAME_MAX:
            errors[name] = _("Не длиннее %d символов.") % NAME_MAX
    today = timezone.localdate()
    if data.birth_date and not (date(1900, 1, 1) <= data.birth_date <= today):
        errors["birth_date"] = _("Дата рождения должна быть между 1900 годом и сегодня.")
    if data.age is not None and not 0 <= data.age <= 130:
        errors["age"] = _("Возраст от 0 до 130 лет.")
    if len(data.address) > 500:
        errors["address"] = _("Адрес не длиннее 500 символов.")
    if data.disability_group not in DisabilityGroup.values:
        errors["disability_group"] = _("Неизвестная группа инвалидности.")
    if data.household_size is not None and not 1 <= data.household_size <= 30:
        errors["household_size"] = _("В семье от 1 до 30 человек.")
    if data.income_per_member is not None and data.income_per_member < 0:
        errors["income_per_member"] = _("Доход не может быть отрицательным.")
    unknown = set(data.flags) - set(SITUATION_FLAGS)
    if unknown:
        errors["flags"] = _("Неизвестные признаки: %s.") % ", ".join(sorted(unknown))
    if errors:
        raise ValidationFailed({f"{prefix}.{k}" if prefix else k: v for k, v in errors.items()})
    return e164


def check_region(user, region: Region | None) -> None:
    """A card is filed only in a region the user works with: nobody puts a person where
    they could not open the card again, nor moves one out of their own sight."""
    regions = matching.visible_regions(user)
    if region is not None and regions is not None and region.pk not in regions:
        raise ValidationFailed({"person.region": _("Регион вне вашей зоны работы.")})


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


def apply_input(person: Person, data: PersonInput) -> dict:
    """Copy non-empty input onto the person; return {field: [old, new]} of what changed."""
    changes: dict = {}
    values = {
        "last_name": data.last_name.strip(),
        "first_name": data.first_name.strip(),
        "middle_name": data.middle_name.strip(),
        "birth_date": data.birth_date,
        "address": data.address.strip(),
        "disability_group": data.disability_group,
        "household_size": data.household_size,
        "income_per_member": data.income_per_member,
        "region": data.region,
        **{code: bool(on) for code, on in data.flags.items() if on is not None},
    }
    if data.age is not None and data.birth_date is None:
        values["age_stated"] = data.age
        values["age_stated_on"] = timezone.localdate()
    for name, value in values.items():
        if value in ("", None):
            continue
        # The region is compared by id, from the reference snapshot: no query for it.
        old = refcache.region(person.region_id) if name == "region" else getattr(person, name)
        if old != value:
            changes[name] = [_jsonable(old), _jsonable(value)]
            setattr(person, name, value)
    return changes


def _jsonable(value):
    if isinstance(value, Region):
        return value.code
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def record_consent(
    *, person: Person, status: str, method: str, actor, contact_id: int | None = None
) -> Consent:
    consent = Consent.objects.create(
        person=person, status=status, method=method, recorded_by=actor, contact_id=contact_id
    )
    if person.consent != status:
        Person.objects.filter(pk=person.pk).update(consent=status)
        person.consent = status
        PersonEvent.objects.create(
            person=person, actor=actor, kind="consent", changes={"consent": status}
        )
    return consent


def find_or_register(
    *,
    data: PersonInput,
    consent: bool,
    actor,
    method: str = Consent.Method.ORAL_CALL,
    contact_id: int | None = None,
) -> Person:
    """The person behind this number and name, created when new.

    Without consent nothing but the number is kept: personal fields are refused, and a person
    record holds the phone alone (so the refusal itself is remembered).

    Refusals come before the first write, so the writes need no savepoint of their own: in a
    caller's transaction they stand or fall with it, alone they are one transaction.
    """
    e164 = validate(data)
    if not consent and data.has_personal_data():
        raise ValidationFailed(
            {"consent": _(CONSENT_NEEDED)},
            code="consent_required",
        )
    check_region(actor, data.region)
    with transaction.atomic(savepoint=False):
        matching.hold_number(e164)
        return _find_or_create(e164, data, consent=consent, actor=actor, method=method,
                               contact_id=contact_id)  # fmt: skip


def _find_or_create(
    e164: str, data: PersonInput, *, consent: bool, actor, method: str, contact_id: int | None
) -> Person:
    person = matching.same_person(
        e164=e164, last_name=data.last_name, first_name=data.first_name, user=actor
    )
    if person is not None and person.consent == ConsentStatus.WITHDRAWN:
        return _withdrawn(person, consent=consent)
    created = person is None
    if created:
        # Born with the answer given, so that recording it below changes nothing more.
        person = Person(region=data.region)
        person.consent = ConsentStatus.GIVEN if consent else ConsentStatus.REFUSED
    elif person.region_id:
        # A match never moves the person: the request carries its own region.
        data = replace(data, region=None)
    changes = apply_input(person, data) if consent else {}
    if created:
        changes["consent"] = person.consent
    if changes and not created:
        person.version += 1
    if created or changes:
        person.save()
    if created:
        phone = normalise(e164)
        PersonPhone.objects.create(person=person, e164=e164, kind=phone.kind, is_primary=True)
        PersonEvent.objects.create(person=person, actor=actor, kind="created", changes=changes)
    elif changes:
        PersonEvent.objects.create(person=person, actor=actor, kind="updated", changes=changes)
    record_consent(
        person=person,
        status=ConsentStatus.GIVEN if consent else ConsentStatus.REFUSED,
        method=method,
        actor=actor,
        contact_id=contact_id,
    )
    # Whether an existing card was matched: an answer that then shows it is a read of it.
    person.matched = not created
    return person


def _withdrawn(person: Person, *, consent: bool) -> Person:
    """A person who withdrew their consent is not re-consented by a registration: the
    operator must ask and record the new consent explicitly (`privacy.renew_consent`).
    Without consent the number alone is what is kept, and nothing changes."""
    if consent:
        raise Conflict(
            _(
                "Этот человек отозвал согласие на обработку персональных данных. Спросите,"
                " даёт ли он согласие снова, и отметьте это в карточке."
            ),
            code="consent_withdrawn",
            fields={"consent": [_("Согласие отозвано.")]},
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
    if expected_version is not None and person.version != expected_version:
        raise Conflict(
            _("Карточку уже изменил другой пользователь. Обновите её: ваши правки не сохранены."),
            code="stale_version",
            fields={"version": [_("Устаревшая версия.")]},
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
        PersonEvent.objects.create(person=person, actor=actor, kind="updated", changes=changes)
    return person
