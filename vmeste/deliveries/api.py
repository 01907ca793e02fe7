"""/api/v1/deliveries: create from a request, the dispatch board, assign, the courier's walk."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from vmeste.accounts import audit
from vmeste.accounts.models import User
from vmeste.core import services as reference
from vmeste.core.errors import Forbidden, ValidationFailed
from vmeste.core.schemas import Id, ListOf
from vmeste.deliveries import dispatch, services
from vmeste.deliveries.models import Delivery
from vmeste.volunteers.api_shifts import fast_json
from vmeste.volunteers.services import centre_by_code

router = Router(tags=["deliveries"])
COURIERS_SHOWN = 200


class ItemIo(Schema):
    name: str
    qty: str = ""


class DeliveryIn(Schema):
    request: Id
    centre: str
    region: str
    district: str = ""
    # Blank: taken from the requester's card (address, first name, primary phone).
    address: str = ""
    recipient_first_name: str = ""
    recipient_phone: str = ""
    items: list[ItemIo]
    window_start: datetime
    window_end: datetime
    payer: str
    payment_method: str
    receipt_required: bool = True
    amount: Decimal | None = None
    priority: int = 0


class DeliveryOut(Schema):
    id: int
    request: Id
    request_number: str
    centre: str
    region: str
    district: str
    address: str | None
    recipient_first_name: str | None
    recipient_phone: str | None
    items: list[ItemIo]
    window_start: datetime
    window_end: datetime
    payer: str
    payment_method: str
    receipt_required: bool
    amount: Decimal | None
    priority: int
    status: str
    courier: int | None
    overdue: bool
    courier_note: str
    failure_reason: str
    version: int


class AssignIn(Schema):
    courier: Id
    version: int | None = None


class StepIn(Schema):
    to: str
    note: str = ""
    reason: str = ""
    amount: Decimal | None = None


class CourierOut(Schema):
    id: int
    name: str
    district: str
    load: int


class BoardRowOut(Schema):
    id: int
    district: str
    address: str
    priority: int
    window_start: datetime
    window_end: datetime
    overdue: bool
    version: int
    items: list[ItemIo]
    suggested_courier: CourierOut | None


class DistrictOut(Schema):
    district: str
    waiting: int
    free_couriers: int


class BoardOut(Schema):
    open_count: int
    overdue_count: int
    couriers_count: int
    rows: list[BoardRowOut]
    couriers: list[CourierOut]
    districts: list[DistrictOut]


def shape(d: Delivery, user: User) -> dict:
    """Dispatchers read everything in scope; a courier only through `courier_card`."""
    out = {
        **{k: getattr(d, k) for k in DeliveryOut.model_fields if hasattr(d, k)},
        "request": d.request_id,
        "request_number": d.request.number,
        "centre": d.centre.code,
        "region": d.region.code,
        "courier": d.courier_id,
        "overdue": d.is_overdue,
    }
    if not services.reads_in_full(user):
        card = dispatch.courier_card(d)
        out.update({k: card[k] for k in ("address", "recipient_first_name", "recipient_phone")})
    return out


def _courier(c: dispatch.Courier | None) -> dict | None:
    return c and {"id": c.pk, "name": c.name, "district": c.district, "load": c.load}


@router.post("/deliveries", response={201: DeliveryOut})
def create(request: HttpRequest, payload: DeliveryIn):
    services.require_dispatcher(request.user)
    data = services.DeliveryInput(
        **payload.dict(exclude={"request", "centre", "region", "items"}),
        region=reference.region_by_code(payload.region),
        items=[i.dict() for i in payload.items],
    )
    delivery = services.create_delivery(
        request_id=payload.request,
        centre=centre_by_code(payload.centre, user=request.user),
        data=data,
        actor=request.user,
    )
    return Status(201, shape(delivery, request.user))


@router.get("/deliveries", response=ListOf(DeliveryOut))
def list_deliveries(
    request: HttpRequest, status: str = "", overdue: bool = False, limit: int = 100
):
    services.require_dispatcher(request.user)
    qs = dispatch.overdue(user=request.user) if overdue else services.deliveries_for(request.user)
    if status:
        qs = qs.filter(status=status)
    qs = qs.select_related("request", "centre", "region")
    shown = list(qs[: max(1, min(limit, 500))])
    services.audit_shown(user=request.user, deliveries=shown, action=audit.Action.LIST)
    return {"items": [shape(d, request.user) for d in shown], "count": qs.count()}


@router.get("/deliveries/board", response=BoardOut)
def board(request: HttpRequest, centre: str, district: str = "", limit: int = 100):
    services.require_dispatcher(request.user)
    b = dispatch.board(
        user=request.user,
        centre=centre_by_code(centre, user=request.user),
        district=district,
        limit=max(1, min(limit, 500)),
    )
    return fast_json(
        {
            "open_count": b.open_count,
            "overdue_count": b.overdue_count,
            "rows": [
                {
                    "id": r.delivery.pk,
                    "district": r.delivery.district,
                    "address": r.delivery.address,
                    "priority": r.delivery.priority,
                    "window_start": r.delivery.window_start,
                    "window_end": r.delivery.window_end,
                    "overdue": r.overdue,
                    "version": r.delivery.version,
                    "items": r.delivery.items,
                    "suggested_courier": _courier(r.suggested),
                }
                for r in b.rows
            ],
            # Least loaded first; the full list is reachable by district.
            "couriers": [_courier(c) for c in b.couriers[:COURIERS_SHOWN]],
            "couriers_count": len(b.couriers),
            "districts": [
                {"district": n, "waiting": w, "free_couriers": f} for n, w, f in b.districts
            ],
        }
    )


class AutoAssignIn(Schema):
    centre: str
    limit: int = 50


class AutoAssignOut(Schema):
    assigned: list[dict]
    skipped: int


@router.post("/deliveries/auto-assign", response=AutoAssignOut)
def auto_assign(request: HttpRequest, payload: AutoAssignIn):
    """Assign the most urgent waiting deliveries by district and current load."""
    result = dispatch.auto_assign(
        user=request.user,
        centre=centre_by_code(payload.centre, user=request.user),
        limit=max(1, min(payload.limit, 500)),
    )
    return {
        "assigned": [{"delivery": d, "courier": c} for d, c in result.assigned],
        "skipped": result.skipped,
    }


@router.get("/deliveries/mine", response=ListOf(DeliveryOut))
def mine(request: HttpRequest, active: bool = True):
    shown = list(
        dispatch.my_deliveries(courier=request.user, active=active).select_related(
            "centre", "region"
        )
    )
    if active:  # a finished delivery no longer shows its recipient (`courier_card`)
        services.audit_shown(user=request.user, deliveries=shown, action=audit.Action.LIST)
    items = [shape(d, request.user) for d in shown]
    return {"items": items, "count": len(items)}


@router.get("/deliveries/{delivery_id}", response=DeliveryOut)
def get(request: HttpRequest, delivery_id: Id):
    delivery = services.open_delivery(delivery_id=delivery_id, user=request.user)
    return shape(delivery, request.user)


@router.post("/deliveries/{delivery_id}/assign", response=DeliveryOut)
def assign(request: HttpRequest, delivery_id: Id, payload: AssignIn):
    services.require_dispatcher(request.user)
    courier = User.objects.filter(pk=payload.courier).first()
    if courier is None:
        raise ValidationFailed({"courier": "Нет такого пользователя."})
    delivery = services.assign(
        delivery_id=delivery_id,
        courier=courier,
        actor=request.user,
        expected_version=payload.version,
    )
    return shape(delivery, request.user)


@router.post("/deliveries/{delivery_id}/status", response=DeliveryOut)
def step(request: HttpRequest, delivery_id: Id, payload: StepIn):
    if not request.user.is_authenticated:
        raise Forbidden()
    delivery = services.advance(delivery_id=delivery_id, actor=request.user, **payload.dict())
    return shape(delivery, request.user)
