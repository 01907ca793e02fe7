"""The subject's copy laid out for people: sections of records, each field under its label."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from vmeste.accounts.models import AuditEntry
from vmeste.assistance.models import Request, RequestEvent
from vmeste.contacts.models import Contact
from vmeste.deliveries.models import Delivery
from vmeste.directory.models import Referral
from vmeste.people.models import Consent, Person, PersonEvent, PersonPhone
from vmeste.volunteers.models import Volunteer

SECTIONS = (
    ("persons", _("Карточка"), Person),
    ("contacts", _("Обращения"), Contact),
    ("requests", _("Заявки"), Request),
    ("deliveries", _("Доставки"), Delivery),
    ("referrals", _("Направления"), Referral),
    ("volunteer", _("Анкета волонтёра"), Volunteer),
    ("access_log", _("Кто открывал данные"), AuditEntry),
)
CHILDREN = {
    "phones": (_("Телефоны"), PersonPhone),
    "consents": (_("Согласия"), Consent),
    "history": (_("История карточки"), PersonEvent),
    "timeline": (_("Ход заявки"), RequestEvent),
}
_EXTRA = {"categories": _("темы")}


def _field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a key that is not a column (categories)
        return None


def _label(model: type[models.Model], name: str) -> str:
    field = _field(model, name)
    return str(field.verbose_name if field is not None else _EXTRA.get(name, name))


def _choice(model: type[models.Model], name: str, value):
    """A coded value as its label ("view" → "просмотр карточки")."""
    field = _field(model, name)
    if field is not None and field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def _show(value) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return str(_("да") if value else _("нет"))
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _record(model, data: dict) -> dict:
    return {
        "fields": [
            (_label(model, k), _show(_choice(model, k, v)))
            for k, v in data.items()
            if k not in CHILDREN
        ],
        "children": [
            (CHILDREN[k][0], [_record(CHILDREN[k][1], item) for item in v])
            for k, v in data.items()
            if k in CHILDREN
        ],
    }


def sections(copy: dict) -> list[tuple[str, list[dict]]]:
    return [
        (str(title), [_record(model, item) for item in copy[key]]) for key, title, model in SECTIONS
    ]
