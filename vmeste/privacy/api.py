"""Withdrawal and renewal of a person's consent; a subject's copy of their data."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from vmeste.core.schemas import Id
from vmeste.people.models import Consent
from vmeste.privacy import services, subject

router = Router(tags=["personal data"])


class WithdrawalIn(Schema):
    method: str = Consent.Method.ORAL_CALL
    note: str = Field("", max_length=300)


class RenewalIn(Schema):
    method: str = Consent.Method.ORAL_CALL


class ConsentOut(Schema):
    person_id: int
    consent: str
    consent_withdrawn: bool


def _consent(person) -> dict:
    return {
        "person_id": person.pk,
        "consent": person.consent,
        "consent_withdrawn": person.consent_withdrawn,
    }


@router.post("/persons/{person_id}/consent/withdrawal", response=ConsentOut)
def withdraw_consent(request: HttpRequest, person_id: Id, payload: WithdrawalIn):
    person = services.withdraw_consent(
        person_id=person_id, actor=request.user, method=payload.method, note=payload.note
    )
    return _consent(person)


@router.post("/persons/{person_id}/consent/renewal", response=ConsentOut)
def renew_consent(request: HttpRequest, person_id: Id, payload: RenewalIn):
    person = services.renew_consent(person_id=person_id, actor=request.user, method=payload.method)
    return _consent(person)


@router.get("/persons/{person_id}/subject-copy", response=dict[str, Any])
def subject_copy(request: HttpRequest, person_id: Id):
    return subject.collect(person_id=person_id, actor=request.user, channel="api")
