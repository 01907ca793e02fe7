"""What a person's card holds and how input for it is checked, before anything is written:
the fields, their limits, the consent they need, and the copy of input onto a card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vmeste.core import refcache
from vmeste.core.errors import ValidationFailed
from vmeste.core.models import Region
from vmeste.people import matching
from vmeste.people.models import SITUATION_FLAGS, DisabilityGroup, Person
from vmeste.people.phones import InvalidPhone, normalise

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
