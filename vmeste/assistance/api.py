"""Requests: register (with the person and consent), read, list, move, assign, comment."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from vmeste.accounts import audit
from vmeste.accounts.models import User
from vmeste.assistance import answers, listing, services
from vmeste.assistance.models import Request
from vmeste.contacts.services import get_contact
from vmeste.core import services as reference
from vmeste.core.dates import SaneDate
from vmeste.core.errors import FieldErrors
from vmeste.core.schemas import FiltersOf, Id, ListOf, TimelineEventOut
from vmeste.people import services as people

router = Router(tags=["requests"])


class PersonIn(Schema):
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    phone: str
    birth_date: SaneDate | None = None
    age: int | None = None
    address: str = ""
    disability_group: str = ""
    household_size: int | None = None
    flags: dict[str, bool | None] = Field(default_factory=dict)


class RequestIn(Schema):
    line: str
    region: str
    category: str
    description: str
    urgency: str = "normal"
    consent: bool | None = None
    contact_id: Id | None = None
    person: PersonIn
    # The line's questions answered ({"district": "Кировский", "self_isolation": "да"}):
    # kept on the request as its structured fields.
    intake: dict[str, str] = {}


class OutcomeIn(Schema):
    helped: bool
    how: str
    note: str = ""


class RequestTransitionIn(Schema):
    to: str
    comment: str = ""
    outcome: OutcomeIn | None = None
    version: int | None = None


class RequestAssignIn(Schema):
    assignee: Id | None = None
    team: str | None = None
    version: int | None = None


class CommentIn(Schema):
    text: str


class PersonBrief(Schema):
    id: int
    full_name: str
    phone: str | None
    consent_withdrawn: bool


class UserBrief(Schema):
    id: int
    name: str


class OutcomeOut(Schema):
    helped: bool
    how: str
    note: str


class RequestOut(Schema):
    id: int
    number: str
    status: str
    region: str
    line: str
    category: str
    subcategory: str | None
    description: str
    urgency: str
    person: PersonBrief
    assignee: UserBrief | None
    team: str | None
    due_at: datetime
    overdue: bool
    outcome: OutcomeOut | None
    version: int
    created_at: datetime
    resolved_at: datetime | None


class RequestDetailOut(RequestOut):
    events: list[TimelineEventOut]
    allowed_transitions: list[str]


RequestFilters = FiltersOf(listing.RequestFilters)


def shape(request: Request, user: User, *, phone: str | None = None) -> dict:
    """The request as the API answers it; `phone`: the person's number when the caller
    already knows it (a registration), instead of reading the person's phones."""
    if phone is None:
        phones = [p.e164 for p in request.person.phones.all()]
        phone = phones[0] if phones else None
    phone = people.visible_phone(phone, user) if phone else None
    return {
        "id": request.pk,
        "number": request.number,
        "status": request.status,
        "region": request.region.code,
        "line": request.line.code,
        "category": request.category.code,
        "subcategory": request.subcategory.code if request.subcategory else None,
        "description": request.description,
        "urgency": request.urgency,
        "person": {
            "id": request.person_id,
            "full_name": request.person.full_name,
            "phone": phone,
            "consent_withdrawn": request.person.consent_withdrawn,
        },
        "assignee": {"id": request.assignee.pk, "name": request.assignee.display_name}
        if request.assignee
        else None,
        "team": request.team.code if request.team else None,
        "due_at": request.due_at,
        "overdue": request.is_overdue,
        "outcome": {
            "helped": request.outcome_helped,
            "how": request.outcome_how,
            "note": request.outcome_note,
        }
        if request.outcome_helped is not None
        else None,
        "version": request.version,
        "created_at": request.created_at,
        "resolved_at": request.resolved_at,
    }


def detail(request: Request, user: User) -> dict:
    events = request.events.select_related("actor")
    return {
        **shape(request, user),
        "events": [
            {
                "at": e.at,
                "actor": e.actor.display_name if e.actor else None,
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "text": e.text,
            }
            for e in events
        ],
        "allowed_transitions": services.table.allowed_targets(request.status),
    }


def _reload(request_id: Id, user: User) -> Request:
    return services.get_request(request_id=request_id, user=user)


@router.post("/requests", response={201: RequestOut})
def register_request(request: HttpRequest, payload: RequestIn):
    errors = FieldErrors()
    found = {
        name: errors.attempt(lookup, getattr(payload, name))
        for name, lookup in (
            ("line", reference.line_by_code),
            ("region", reference.region_by_code),
            ("category", reference.category_by_code),
        )
    }
    person_data = people.PersonInput(
        **payload.person.dict(exclude={"flags"}),
        flags=payload.person.flags,
        region=found["region"],
    )
    e164 = errors.attempt(people.validate, person_data)
    errors.raise_if_any()
    category, subcategory = services.split_category(found["category"])
    data = services.RequestInput(
        line=found["line"],
        region=found["region"],
        category=category,
        subcategory=subcategory,
        description=payload.description,
        urgency=payload.urgency,
        **answers.answers_as_fields(payload.intake),
    )
    contact = (
        get_contact(contact_id=payload.contact_id, user=request.user)
        if payload.contact_id
        else None
    )
    created, matched = services.register_with_person(
        data=data,
        person_data=person_data,
        actor=request.user,
        consent=payload.consent is True,
        contact=contact,
    )
    if matched:  # the answer shows a card that was there
        services.audit_shown(user=request.user, rows=[created], action=audit.Action.VIEW)
    # Everything the answer shows was just written from these very objects: no re-read.
    return Status(201, shape(created, request.user, phone=e164))


@router.get("/requests", response=ListOf(RequestOut))
def list_requests(request: HttpRequest, filters: Query[RequestFilters]):
    wanted = listing.RequestFilters(**filters.dict(exclude={"limit", "offset"}))
    matches = listing.search(user=request.user, filters=wanted)
    rows = listing.page(
        matches, offset=filters.offset, limit=filters.limit, user=request.user, filters=wanted
    )
    return {
        "items": [shape(r, request.user) for r in rows],
        "count": listing.count(user=request.user, filters=wanted, matches=matches),
    }


@router.get("/requests/{request_id}", response=RequestDetailOut)
def read_request(request: HttpRequest, request_id: Id):
    return detail(services.open_request(request_id=request_id, user=request.user), request.user)


@router.post("/requests/{request_id}/transitions", response=RequestDetailOut)
def move_request(request: HttpRequest, request_id: Id, payload: RequestTransitionIn):
    services.transition(
        request_id=request_id,
        to=payload.to,
        actor=request.user,
        comment=payload.comment,
        outcome=payload.outcome.dict() if payload.outcome else None,
        expected_version=payload.version,
    )
    return detail(_reload(request_id, request.user), request.user)


@router.post("/requests/{request_id}/assign", response=RequestDetailOut)
def assign_request(request: HttpRequest, request_id: Id, payload: RequestAssignIn):
    services.assign(
        request_id=request_id,
        actor=request.user,
        assignee_id=payload.assignee,
        team_code=payload.team or "",
        expected_version=payload.version,
    )
    return detail(_reload(request_id, request.user), request.user)


@router.post("/requests/{request_id}/comments", response={201: RequestDetailOut})
def comment_request(request: HttpRequest, request_id: Id, payload: CommentIn):
    services.add_comment(request_id=request_id, actor=request.user, text=payload.text)
    return Status(201, detail(_reload(request_id, request.user), request.user))
