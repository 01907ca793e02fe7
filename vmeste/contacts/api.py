"""Contacts: register and read calls, chats and visits."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from vmeste.contacts import services
from vmeste.contacts.models import Channel, Contact, Disposition
from vmeste.core import services as reference
from vmeste.core.dates import EventMoment
from vmeste.core.errors import FieldErrors, NotFound
from vmeste.core.schemas import FiltersOf, Id, ListOf
from vmeste.people import services as people

router = Router(tags=["contacts"])


class ContactIn(Schema):
    line: str
    channel: str = Channel.PHONE.value
    region: str | None = None
    caller_number: str = ""
    started_at: EventMoment | None = None
    ended_at: EventMoment | None = None
    disposition: str = Disposition.CONSULTATION.value
    notes: str = ""
    categories: list[str] = Field(default_factory=list)
    person_id: Id | None = None
    # The telephony's id of the call recorded: its Contact is completed, not doubled.
    call_id: str = Field("", max_length=100)


class ContactOut(Schema):
    id: int
    channel: str
    line: str
    region: str | None
    caller_number: str
    started_at: datetime
    ended_at: datetime | None
    operator: str | None
    disposition: str
    notes: str
    categories: list[str]
    person_id: Id | None
    requests: list[str]


ContactFilters = FiltersOf(services.ContactFilters)


def shape(contact: Contact, user) -> dict:
    number = contact.caller_number
    if number:
        number = people.visible_phone(number, user)
    return {
        "id": contact.pk,
        "channel": contact.channel,
        "line": contact.line.code,
        "region": contact.region.code if contact.region else None,
        "caller_number": number,
        "started_at": contact.started_at,
        "ended_at": contact.ended_at,
        "operator": contact.operator.display_name if contact.operator else None,
        "disposition": contact.disposition,
        "notes": contact.notes,
        "categories": [c.code for c in contact.categories.all()],
        "person_id": contact.person_id,
        "requests": [r.number for r in contact.requests.all()],
    }


# The fields the service takes as the caller sent them (the others name rows to look up).
AS_GIVEN = {"channel", "caller_number", "started_at", "ended_at", "disposition", "notes"}


def _resolve(payload: ContactIn, user) -> tuple[services.ContactInput, object]:
    errors = FieldErrors()
    line = errors.attempt(reference.line_by_code, payload.line)
    region = errors.attempt(reference.region_by_code, payload.region) if payload.region else None
    categories = [
        errors.attempt(reference.category_by_code, code, field="categories")
        for code in payload.categories[:20]
    ]
    person = None
    if payload.person_id is not None:
        try:
            person = people.get_person(person_id=payload.person_id, user=user)
        except NotFound:
            errors.fields["person_id"] = _("Человек не найден.")
    errors.raise_if_any()
    data = services.ContactInput(
        line=line,
        region=region,
        categories=categories,
        call_id=payload.call_id.strip(),
        **payload.dict(include=AS_GIVEN),
    )
    return data, person


@router.post("/contacts", response={201: ContactOut})
def register_contact(request: HttpRequest, payload: ContactIn):
    data, person = _resolve(payload, request.user)
    contact = services.register_contact(data=data, actor=request.user, person=person)
    return Status(
        201, shape(services.get_contact(contact_id=contact.pk, user=request.user), request.user)
    )


@router.get("/contacts", response=ListOf(ContactOut))
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]):
    page, matches = services.search(
        user=request.user,
        filters=services.ContactFilters(**filters.dict(exclude={"limit", "offset"})),
        offset=filters.offset,
        limit=filters.limit,
    )
    return {"items": [shape(c, request.user) for c in page], "count": matches.count()}


@router.get("/contacts/{contact_id}", response=ContactOut)
def read_contact(request: HttpRequest, contact_id: Id):
    return shape(services.open_contact(contact_id=contact_id, user=request.user), request.user)
