"""Contacts: registering a call, chat or visit with its outcome, and the caller's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts.models import User
from vmeste.accounts.roles import Right
from vmeste.contacts.models import Channel, Contact, Disposition
from vmeste.core.errors import Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Category, Line, Region
from vmeste.core.scoping import in_scope, scoped
from vmeste.people.models import Person
from vmeste.people.phones import try_normalise

NOTES_MAX = 10_000


@dataclass
class ContactInput:
    line: Line
    channel: str = Channel.PHONE
    region: Region | None = None
    caller_number: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    disposition: str = Disposition.CONSULTATION
    notes: str = ""
    categories: list[Category] = field(default_factory=list)


def validate(data: ContactInput) -> str:
    """Check the input; return the caller number in E.164 when it parses, else as typed."""
    errors = {}
    if data.channel not in Channel.values:
        errors["channel"] = _("Неизвестный канал.")
    if data.disposition not in Disposition.values:
        errors["disposition"] = _("Неизвестный итог обращения.")
    if len(data.notes) > NOTES_MAX:
        errors["notes"] = _("Заметки не длиннее %d символов.") % NOTES_MAX
    number = data.caller_number.strip()
    if len(number) > 40:
        errors["caller_number"] = _("Слишком длинный номер.")
    elif number and data.channel == Channel.PHONE:
        phone = try_normalise(number)
        if phone is None:
            errors["caller_number"] = _("Некорректный номер телефона: «%s».") % number
        else:
            number = phone.e164
    if data.started_at and data.ended_at and data.ended_at < data.started_at:
        errors["ended_at"] = _("Конец обращения раньше начала.")
    if data.region and not data.line.serves_region(data.region):
        errors["region"] = _("Линия не обслуживает этот регион.")
    if errors:
        raise ValidationFailed(errors)
    return number


def _default_region(data: ContactInput, actor: User, person: Person | None) -> Region | None:
    if data.region:
        return data.region
    if person and person.region_id:
        return person.region
    regions = list(data.line.regions.all())
    if len(regions) == 1:
        return regions[0]
    return None


@transaction.atomic
def register_contact(*, data: ContactInput, actor: User, person: Person | None = None) -> Contact:
    if not actor.can(Right.REGISTER):
        raise Forbidden()
    number = validate(data)
    region = _default_region(data, actor, person)
    if not in_scope(actor, region_id=region.pk if region else None, line_id=data.line.pk):
        raise ValidationFailed({"line": _("Линия или регион вне вашей зоны работы.")})
    contact = Contact.objects.create(
        channel=data.channel,
        line=data.line,
        region=region,
        caller_number=number,
        started_at=data.started_at or timezone.now(),
        ended_at=data.ended_at,
        operator=actor,
        disposition=data.disposition,
        notes=data.notes.strip(),
        person=person,
    )
    if data.categories:
        contact.categories.set(data.categories)
    return contact


def contacts_for(user: User) -> QuerySet[Contact]:
    return scoped(Contact.objects.all(), user)


def get_contact(*, contact_id: int, user: User) -> Contact:
    contact = contacts_for(user).select_related("line", "region", "person").filter(pk=contact_id)
    found = contact.first()
    if found is None:
        raise NotFound(_("Обращение не найдено."))
    return found


def history(*, user: User, e164: str, persons: list[Person], limit: int = 20) -> list[Contact]:
    """Past contacts from this number or of these persons, newest first."""
    condition = Q(caller_number=e164)
    if persons:
        condition |= Q(person__in=persons)
    return list(
        contacts_for(user)
        .filter(condition)
        .select_related("line", "operator")
        .prefetch_related("categories")
        .order_by("-started_at")[:limit]
    )
