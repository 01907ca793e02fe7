"""Contacts: registering a call, chat or visit with its outcome, and the caller's history."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts import audit
from vmeste.accounts.access import Kind, readable
from vmeste.accounts.models import User
from vmeste.accounts.roles import Right
from vmeste.contacts.models import Channel, Contact, Disposition
from vmeste.core.errors import Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Category, Line, Region
from vmeste.core.scoping import in_scope, one_or_404
from vmeste.people.models import Person
from vmeste.people.phones import mask, try_normalise

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
    # The telephony's id of the call this contact records (the screen pop gives it to the
    # call card): the Contact the telephony made for that call is completed, not doubled.
    call_id: str = ""


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
    if len(data.call_id) > 100:
        errors["call_id"] = _("Слишком длинный идентификатор звонка.")
    elif data.call_id and data.channel != Channel.PHONE:
        errors["channel"] = _("Звонок из телефонии записывается только как телефонное обращение.")
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
    """The operator's contact: a new one, or, for a call the telephony recorded
    (``data.call_id``), that call's Contact completed with the operator's part."""
    if not actor.can(Right.REGISTER):
        raise Forbidden()
    number = validate(data)
    if data.call_id:
        contact = _call_contact(data.call_id)
        if contact is not None:
            return _complete(contact, data=data, number=number, actor=actor, person=person)
    region = _default_region(data, actor, person)
    if not in_scope(actor, region_id=region.pk if region else None, line_id=data.line.pk):
        raise ValidationFailed({"line": _("Линия или регион вне вашей зоны работы.")})
    contact = Contact(
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
        call_id=data.call_id or None,
        completed_at=timezone.now() if data.call_id else None,
    )
    if data.call_id:
        try:  # the telephony may record the same call this very moment: theirs is the one
            with transaction.atomic():
                contact.save()
        except IntegrityError:
            found = _call_contact(data.call_id)
            return _complete(found, data=data, number=number, actor=actor, person=person)
    else:
        contact.save()
    if data.categories:
        contact.categories.set(data.categories)
    return contact


def _call_contact(call_id: str) -> Contact | None:
    return (
        Contact.objects.select_for_update(of=("self",))
        .select_related("line")
        .filter(call_id=call_id)
        .first()
    )


def _complete(
    contact: Contact, *, data: ContactInput, number: str, actor: User, person: Person | None
) -> Contact:
    """The operator's part of a call's Contact: outcome, topics, notes, person, the caller's
    region. What the telephony knows (line, moments, number, queue) stays its own."""
    if not in_scope(actor, region_id=contact.region_id, line_id=contact.line_id):
        raise NotFound(_("Звонок не найден."))
    region = data.region or (person.region if person and person.region_id else None)
    if region is not None and region.pk != contact.region_id:
        if not contact.line.serves_region(region):
            raise ValidationFailed({"region": _("Линия звонка не обслуживает этот регион.")})
        if not in_scope(actor, region_id=region.pk, line_id=contact.line_id):
            raise ValidationFailed({"region": _("Регион вне вашей зоны работы.")})
        contact.region = region
    contact.caller_number = contact.caller_number or number
    contact.operator = contact.operator or actor
    contact.disposition = data.disposition
    notes = data.notes.strip()
    if notes and notes not in contact.notes:  # a second save of the same call adds, never loses
        contact.notes = f"{contact.notes}\n{notes}".strip()
    contact.person = person or contact.person
    contact.completed_at = timezone.now()
    contact.save()
    if data.categories:
        contact.categories.add(*data.categories)
    return contact


def contacts_for(user: User) -> QuerySet[Contact]:
    """Contacts the access policy lets the user read (a 403 for roles that only count)."""
    return readable(Contact.objects.all(), user, Kind.CONTACT)


@dataclass
class ContactFilters:
    line: str = ""
    region: str = ""
    disposition: str = ""
    caller_number: str = ""


def search(
    *, user: User, filters: ContactFilters, offset: int, limit: int
) -> tuple[list[Contact], QuerySet[Contact]]:
    """One page of the contacts matching the filters, and all of them (to count). What the
    page shows is audited; a search by number is, also when it finds nothing."""
    qs = contacts_for(user)
    if filters.line:
        qs = qs.filter(line__code=filters.line)
    if filters.region:
        qs = qs.filter(region__code=filters.region.upper())
    if filters.disposition:
        qs = qs.filter(disposition=filters.disposition)
    if filters.caller_number:
        qs = qs.filter(caller_number=filters.caller_number)
    rows = list(
        qs.select_related("line", "region", "operator")
        .prefetch_related("categories", "requests")
        .order_by("-started_at")[offset : offset + limit]
    )
    number = filters.caller_number
    audit_shown(
        user=user,
        rows=rows,
        action=audit.Action.LOOKUP if number else audit.Action.LIST,
        detail=mask(number) if number else "",
    )
    return rows, qs


# Write that the user was shown these contacts and their persons: `audit_shown(user=, rows=,
# action=, detail="")`, one INSERT.
audit_shown = audit.rows_writer(Kind.CONTACT, audit.Purpose.CALL)


def open_contact(*, contact_id: int, user: User) -> Contact:
    """A contact shown to the user: `get_contact`, audited."""
    contact = get_contact(contact_id=contact_id, user=user)
    audit_shown(user=user, rows=[contact], action=audit.Action.VIEW)
    return contact


def get_contact(*, contact_id: int, user: User) -> Contact:
    rows = contacts_for(user).select_related("line", "region", "person")
    return one_or_404(rows, contact_id, _("Обращение не найдено."))


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


@dataclass(frozen=True)
class CallRecord:
    """What the telephony knows of one call (the contact centre's side of a Contact)."""

    call_id: str
    line: Line
    started_at: datetime
    caller_number: str = ""
    ended_at: datetime | None = None
    ivr_path: str = ""
    queue_code: str = ""
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    region: Region | None = None  # the regional centre's region, when it was one
    operator: User | None = None  # the agent who took it
    abandoned: bool = False
    callback_pending: bool = False  # a callback was asked for and nobody answered yet
    disposition: str = ""  # the telephony's own word on the outcome, if any
    first: bool = False  # the call's first event: the telephony has not written it yet


# No savepoint of its own: its caller (a telephony event) runs it inside the event's
# transaction and lets any error roll the whole event back; a savepoint cost every event
# two more round trips for a partial rollback nobody asks for.
@transaction.atomic(savepoint=False)
def record_call(data: CallRecord) -> None:
    """One Contact per call id, created at the first event and updated by the next ones.

    The intake rules of ``register_contact`` apply: the number in E.164 when it parses
    (kept as received otherwise: a call is recorded whatever its caller id), the region of
    a line serving one region. Only the telephony's fields are written: what the operator
    registered on the call card (person, topics, notes, the outcome: ``register_contact`` with
    the call's id) stays. One statement either way (this runs on every telephony event):
    an UPDATE, whose row lock keeps the card's write and this one apart, or the INSERT of
    a call's first event.
    """
    phone = try_normalise(data.caller_number) if data.caller_number else None
    fields = {
        "line": data.line,
        "caller_number": phone.e164 if phone else data.caller_number.strip()[:40],
        "started_at": data.started_at,
        "ended_at": data.ended_at,
        "ivr_path": data.ivr_path[:200],
        "queue_code": data.queue_code[:60],
        "wait_seconds": None if data.wait_seconds is None else round(data.wait_seconds),
        "talk_seconds": None if data.talk_seconds is None else round(data.talk_seconds),
    }
    if data.operator is not None:
        fields["operator"] = data.operator
    outcome = _telephony_outcome(data)
    if data.first:
        # The card may have saved the call before its first event reached us (the screen
        # pop's call id): then its row is completed with the telephony's fields only.
        probe = ContactInput(line=data.line, region=data.region)
        contact = Contact(
            call_id=data.call_id,
            channel=Channel.PHONE,
            region=_default_region(probe, None, None),
            disposition=outcome,
            **fields,
        )
        Contact.objects.bulk_create(
            [contact], update_conflicts=True, unique_fields=["call_id"], update_fields=[*fields]
        )
        return
    updated = Contact.objects.filter(call_id=data.call_id).update(
        **fields,
        # once recorded on the call card, the outcome is the operator's
        disposition=Case(
            When(completed_at__isnull=True, then=Value(outcome)), default=F("disposition")
        ),
    )
    if not updated:  # not written at the first event (its line was not known then)
        record_call(replace(data, first=True))


def _telephony_outcome(data: CallRecord) -> str:
    if data.abandoned:
        return Disposition.ABANDONED
    if data.callback_pending:
        return Disposition.CALLBACK_REQUESTED
    told = data.disposition if data.disposition in Disposition.values else ""
    return told or Disposition.CONSULTATION
