"""Persons: lookup by phone, the card (audited), duplicates and merging."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from vmeste.core.dates import SaneDate
from vmeste.core.errors import ValidationFailed
from vmeste.core.schemas import Id, ListOf, SchemaOf
from vmeste.core.services import region_by_code
from vmeste.people import merging, services
from vmeste.people.inputs import PersonInput

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


# The service's `PersonInput`, the region by its code. Flags: true, applies; false, asked and
# does not apply; null or absent, unchanged.
class PersonChangeIn(SchemaOf(PersonInput, birth_date=SaneDate | None, region=str | None)):
    version: int | None = None


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
