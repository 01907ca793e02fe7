"""Persons: lookup by phone, the card (audited), duplicates and merging."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from vmeste.core.errors import ValidationFailed
from vmeste.core.schemas import Id, ListOf
from vmeste.core.services import region_by_code
from vmeste.people import merging, services

router = Router(tags=["persons"])


class PersonOut(Schema):
    id: int
    version: int
    last_name: str
    first_name: str
    middle_name: str
    full_name: str
    phones: list[str]
    birth_date: str | None
    age: int | None
    region: str | None
    address: str
    disability_group: str
    flags: list[str]
    flags_no: list[str]
    household_size: int | None
    consent: str
    consent_withdrawn: bool
    merged_into: int | None
    masked: bool


class DuplicateOut(Schema):
    person: PersonOut
    score: int


class MergeIn(Schema):
    absorb: Id


class PersonChangeIn(Schema):
    version: int | None = None
    phone: str = ""
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    birth_date: date | None = None
    age: int | None = None
    region: str | None = None
    address: str = ""
    disability_group: str = ""
    household_size: int | None = None
    income_per_member: Decimal | None = None
    # true: applies; false: asked, does not apply; null or absent: unchanged
    flags: dict[str, bool | None] = Field(default_factory=dict)


@router.get("/persons", response=ListOf(PersonOut))
def find_persons(request: HttpRequest, phone: str = ""):
    if not phone.strip():
        raise ValidationFailed({"phone": _("Укажите номер телефона.")})
    persons = services.find_by_phone(phone=phone, user=request.user, channel="api")
    items = [services.display(p, request.user) for p in persons]
    return {"items": items, "count": len(items)}


@router.get("/persons/{person_id}", response=PersonOut)
def read_person(request: HttpRequest, person_id: Id):
    person = services.get_person(person_id=person_id, user=request.user, channel="api")
    return services.display(person, request.user)


@router.get("/persons/{person_id}/duplicates", response=ListOf(DuplicateOut))
def person_duplicates(request: HttpRequest, person_id: Id):
    person = services.get_person(person_id=person_id, user=request.user, channel="api")
    found = merging.possible_duplicates(person=person, user=request.user)
    items = [{"person": services.display(p, request.user), "score": s} for p, s in found]
    return {"items": items, "count": len(items)}


@router.post("/persons/{person_id}/merge", response=PersonOut)
def merge_persons(request: HttpRequest, person_id: Id, payload: MergeIn):
    person = merging.merge(keep_id=person_id, absorb_id=payload.absorb, actor=request.user)
    return services.display(person, request.user)


@router.patch("/persons/{person_id}", response=PersonOut)
def change_person(request: HttpRequest, person_id: Id, payload: PersonChangeIn):
    values = payload.dict(exclude={"version", "region"})
    region = region_by_code(payload.region, field="person.region") if payload.region else None
    person = services.update_person(
        person_id=person_id,
        data=services.PersonInput(**values, region=region),
        actor=request.user,
        expected_version=payload.version,
    )
    return services.display(person, request.user)
