"""A volunteer's application, read from what a person typed and checked whole: every field at
once (required ones, lengths as the tables hold them, e-mail, phone, dates, centre, roles), so
the public page and the API list every mistake together rather than the first one.

The public form's strings go through `read`; the CLI import and the staff pages build an
`Application` themselves. `services.apply` adds the centre's own rules (age, document) and
writes nothing while any error remains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from vmeste.core.dates import read_date
from vmeste.core.models import Centre
from vmeste.people.phones import InvalidPhone, normalise
from vmeste.volunteers.models import HealthDocument, Volunteer, VolunteerRole

# A typed number keeps its spaces, brackets and dashes: longer than the E.164 form stored
# (`Volunteer.phone`, 20), but bounded.
PHONE_TYPED_MAX = 40


def _limit(model, name: str) -> int:
    return model._meta.get_field(name).max_length


# field of the form → the most characters its column holds
LIMITS: dict[str, int] = {
    "last_name": _limit(Volunteer, "last_name"),
    "first_name": _limit(Volunteer, "first_name"),
    "middle_name": _limit(Volunteer, "middle_name"),
    "email": _limit(Volunteer, "email"),
    "district": _limit(Volunteer, "district"),
    "phone": PHONE_TYPED_MAX,
    "document_kind": _limit(HealthDocument, "kind"),
    "document_number": _limit(HealthDocument, "number"),
}


@dataclass
class Application:
    centre: Centre | None
    last_name: str
    first_name: str
    birth_date: date | None
    phone: str
    consent: bool
    middle_name: str = ""
    email: str = ""
    district: str = ""
    wanted_roles: tuple[str, ...] = ()
    document_kind: str = ""
    document_number: str = ""
    document_valid_until: date | None = None
    # what could not be read from the typed text (a date that is none, an unknown centre)
    unreadable: dict[str, str] = field(default_factory=dict)


def read(values: Mapping, *, wanted_roles: Sequence[str], consent: bool) -> Application:
    """The application as typed on the public form or sent to the public API (strings)."""
    unreadable: dict[str, str] = {}
    code = str(values.get("centre") or "").strip()
    centre = Centre.objects.select_related("region").filter(code=code).first() if code else None
    if centre is None:
        unreadable["centre"] = (
            _("Неизвестный центр: «%s».") % code[:40] if code else _("Выберите центр.")
        )
    dates = {
        name: _typed_date(str(values.get(name) or ""), name, unreadable)
        for name in ("birth_date", "document_valid_until")
    }
    text = {name: str(values.get(name) or "") for name in LIMITS}
    return Application(
        centre=centre,
        consent=consent,
        wanted_roles=tuple(str(r) for r in wanted_roles),
        unreadable=unreadable,
        **dates,
        **text,
    )


def _typed_date(text: str, name: str, unreadable: dict[str, str]) -> date | None:
    value, problem = read_date(text)
    if problem:
        unreadable[name] = problem
    return value


def errors_of(a: Application) -> dict[str, list[str]]:
    """Every mistake of the application, by field; empty when it may go on to the centre's
    own rules."""
    errors: dict[str, list[str]] = {name: [message] for name, message in a.unreadable.items()}
    too_long = _too_long(a)
    for name, message in (*too_long, *_missing(a), *_malformed(a, {n for n, _m in too_long})):
        errors.setdefault(name, []).append(message)
    return errors


def _too_long(a: Application) -> list[tuple[str, str]]:
    return [
        (name, _("Не длиннее %(limit)d символов.") % {"limit": limit})
        for name, limit in LIMITS.items()
        if len(getattr(a, name)) > limit
    ]


def _missing(a: Application) -> list[tuple[str, str]]:
    missing = []
    if not a.last_name.strip():
        missing.append(("last_name", _("Укажите фамилию.")))
    if not a.first_name.strip():
        missing.append(("first_name", _("Укажите имя.")))
    if a.birth_date is None and "birth_date" not in a.unreadable:
        missing.append(("birth_date", _("Укажите дату рождения.")))
    if not a.consent:
        missing.append(("consent", _("Нужно согласие на обработку персональных данных.")))
    return missing


def _malformed(a: Application, too_long: set[str]) -> list[tuple[str, str]]:
    """The phone, the e-mail and the roles that are not what they should be (a field already
    refused for its length is not read further)."""
    malformed = []
    if "phone" not in too_long and not phone_of(a):
        malformed.append(("phone", _("Неверный номер телефона.")))
    if a.email.strip() and "email" not in too_long:
        try:
            validate_email(a.email.strip())
        except ValidationError:
            malformed.append(("email", _("Неверный адрес эл. почты.")))
    unknown = [r for r in a.wanted_roles if r not in VolunteerRole.values]
    if unknown:
        roles = ", ".join(r[:40] for r in unknown)
        malformed.append(("wanted_roles", _("Неизвестная роль: %s.") % roles))
    return malformed


def phone_of(a: Application) -> str:
    """The number in E.164, or "" when it is none."""
    try:
        return normalise(a.phone).e164
    except InvalidPhone:
        return ""
