"""API v1 of the navigator: measures and their rules, a person's eligibility, the bulk check
of a measure against open requests, referrals, and the operator's directory search."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from vmeste.accounts import audit
from vmeste.core.errors import NotFound
from vmeste.core.schemas import ListOf
from vmeste.directory import navigator, services
from vmeste.directory.models import EligibilityRule, Measure, Referral
from vmeste.directory.referrals import services as referral_services

router = Router(tags=["navigator"])


class MeasureIn(Schema):
    code: str
    name: str
    level: str
    regions: list[str] = []
    municipality: str = ""
    agency: str = ""
    needs: list[str] = []
    eligibility: dict = {}
    required_documents: list[str] = []
    apply_channels: list[str] = []
    how_to_apply: str = ""
    processing_time: str = ""
    description: str = ""
    is_active: bool = True
    is_demo: bool = False


class MeasureOut(MeasureIn):
    id: int
    version: int


class RuleIn(Schema):
    code: str
    name: str
    condition: dict
    description: str = ""


class AskOut(Schema):
    fact: str
    label: str
    question: str


class VerdictOut(Schema):
    id: int
    code: str
    name: str
    reasons: list[str]
    summary: str
    ask: list[AskOut]
    needs: list[str]


class ServiceHit(Schema):
    id: str
    name: str
    organization: str
    score: int
    reasons: list[str]
    covers: list[str]
    phones: list[str]


class EligibilityOut(Schema):
    eligible: list[VerdictOut]
    maybe: list[VerdictOut]
    ineligible: list[VerdictOut]
    services: list[ServiceHit]
    ask: list[AskOut]
    needs: list[str]


class CandidateOut(Schema):
    request_id: int
    number: str
    person_id: int
    region: str
    category: str
    surely: bool


class ReferralIn(Schema):
    measure_id: int | None = None
    service_id: str | None = None
    note: str = ""


class ReferralMove(Schema):
    to: str
    feedback: str = ""
    resolve_request: bool = False


class ReferralOut(Schema):
    id: int
    request_id: int
    measure_id: int | None
    service_id: str | None
    target: str
    status: str
    feedback: str
    planned_at: datetime
    submitted_at: datetime | None
    accepted_at: datetime | None
    rejected_at: datetime | None
    provided_at: datetime | None


class DirectoryHit(Schema):
    id: str
    name: str
    organization: str
    description: str


def _measure_out(m: Measure) -> dict:
    return {
        **{f: getattr(m, f) for f in MeasureIn.model_fields if f not in ("regions", "needs")},
        "id": m.pk,
        "version": m.version,
        "regions": sorted(r.code for r in m.regions.all()),
        "needs": sorted(c.code for c in m.needs.all()),
    }


def _referral_out(r: Referral) -> dict:
    return {**r.__dict__, "target": r.target_name}


@router.get("/measures", response=ListOf(MeasureOut))
def list_measures(request: HttpRequest, region: str = "", need: str = "", q: str = ""):
    items = [
        _measure_out(m) for m in services.measures_for_listing(region=region, need=need, text=q)
    ]
    return {"items": items, "count": len(items)}


@router.post("/measures", response={201: MeasureOut})
def create_measure(request: HttpRequest, payload: MeasureIn):
    measure = services.save_measure(
        data=services.MeasureInput(**payload.dict()), actor=request.user
    )
    return Status(201, _measure_out(measure))


@router.get("/measures/rules", response=ListOf(RuleIn))
def list_rules(request: HttpRequest):
    items = list(EligibilityRule.objects.values("code", "name", "condition", "description"))
    return {"items": items, "count": len(items)}


@router.post("/measures/rules", response={201: RuleIn})
def save_rule(request: HttpRequest, payload: RuleIn):
    rule = services.save_rule(actor=request.user, **payload.dict())
    return Status(201, rule)


@router.get("/measures/{measure_id}", response=MeasureOut)
def read_measure(request: HttpRequest, measure_id: int):
    measure = Measure.objects.prefetch_related("regions", "needs").filter(pk=measure_id).first()
    if measure is None:
        raise NotFound()
    return _measure_out(measure)


@router.put("/measures/{measure_id}", response=MeasureOut)
def update_measure(request: HttpRequest, measure_id: int, payload: MeasureIn):
    data = services.MeasureInput(**payload.dict())
    return _measure_out(services.save_measure(data=data, actor=request.user, measure_id=measure_id))


@router.get("/measures/{measure_id}/candidates", response=ListOf(CandidateOut))
def measure_candidates(request: HttpRequest, measure_id: int, limit: int = 100):
    """Open requests whose person may qualify: one database query, not person by person."""
    qs = services.requests_that_may_qualify(measure_id=measure_id, user=request.user)
    shown = list(qs[: max(1, min(limit, 1000))])
    # Who may qualify for a measure says something of their health, income and family.
    audit.record(
        user=request.user,
        action=audit.Action.SEARCH,
        purpose=audit.Purpose.ELIGIBILITY,
        shown={"request": [r.pk for r in shown], "person": [r.person_id for r in shown]},
        detail=f"candidates of measure:{measure_id}",
    )
    items = [
        {
            "request_id": r.pk,
            "number": r.number,
            "person_id": r.person_id,
            "region": r.region.code,
            "category": r.category.code,
            "surely": r.surely,
        }
        for r in shown
    ]
    return {"items": items, "count": qs.count()}


@router.get("/persons/{person_id}/eligibility", response=EligibilityOut)
def person_eligibility(request: HttpRequest, person_id: int, need: Query[list[str]] = None):
    """`need` (repeatable): category codes to find help for; default — open requests' needs."""
    return navigator.eligibility_for(person_id=person_id, user=request.user, needs=need or None)


@router.get("/requests/{request_id}/referrals", response=ListOf(ReferralOut))
def list_referrals(request: HttpRequest, request_id: int):
    items = [
        _referral_out(r)
        for r in referral_services.referrals_of(request_id=request_id, user=request.user)
    ]
    return {"items": items, "count": len(items)}


@router.post("/requests/{request_id}/referrals", response={201: ReferralOut})
def create_referral(request: HttpRequest, request_id: int, payload: ReferralIn):
    referral = referral_services.refer(request_id=request_id, actor=request.user, **payload.dict())
    return Status(201, _referral_out(referral))


@router.post("/referrals/{referral_id}/transition", response=ReferralOut)
def move_referral(request: HttpRequest, referral_id: int, payload: ReferralMove):
    referral = referral_services.advance(
        referral_id=referral_id, actor=request.user, **payload.dict()
    )
    return _referral_out(referral)


@router.get("/directory/services", response=ListOf(DirectoryHit))
def search_directory(request: HttpRequest, region: str = "", need: str = "", q: str = ""):
    hits = navigator.search_services(region=region.upper(), need=need, text=q)
    items = [
        {
            "id": s.pk,
            "name": s.name,
            "organization": s.organization.name if s.organization_id else "",
            "description": s.description[:300],
        }
        for s in hits
    ]
    return {"items": items, "count": len(items)}
