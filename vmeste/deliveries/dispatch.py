"""The dispatch board, the courier's list and overdue deliveries: reads only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from vmeste.accounts import audit
from vmeste.accounts.access import Kind, require
from vmeste.accounts.models import User
from vmeste.accounts.roles import Role
from vmeste.core.models import Centre
from vmeste.deliveries.models import ACTIVE_STATUSES, OPEN_STATUSES, Delivery, DeliveryStatus
from vmeste.deliveries.services import MAX_LOAD, audit_shown, courier_loads, deliveries_for
from vmeste.volunteers.models import Volunteer, VolunteerStatus


@dataclass
class Courier:
    pk: int
    name: str
    district: str
    load: int


@dataclass
class BoardRow:
    delivery: Delivery
    overdue: bool
    suggested: Courier | None


@dataclass
class Board:
    rows: list[BoardRow]
    open_count: int
    overdue_count: int
    couriers: list[Courier]
    districts: list[tuple[str, int, int]]  # (district, waiting deliveries, free couriers)


def couriers_of(centre: Centre) -> list[Courier]:
    """The centre's couriers with their district and how many deliveries they carry now.
    Two plain queries rather than one OR across joins: the planner handles them better."""
    couriers: dict[int, Courier] = {}
    volunteer_rows = (
        Volunteer.objects.filter(
            centre=centre,
            status=VolunteerStatus.ACTIVE,
            user__isnull=False,
            user__is_active=True,
            roles__role="courier",
        )
        .values_list("user_id", "last_name", "first_name", "district")
        .order_by()
    )
    for pk, last, first, district in volunteer_rows:
        couriers[pk] = Courier(pk, f"{last} {first}".strip(), district or "", 0)
    staff_rows = User.objects.filter(role=Role.COURIER, centre=centre, is_active=True)
    for pk, first, last, username in staff_rows.values_list(
        "pk", "first_name", "last_name", "username"
    ):
        couriers.setdefault(pk, Courier(pk, f"{last} {first}".strip() or username, "", 0))
    for pk, n in courier_loads().items():
        if pk in couriers:
            couriers[pk].load = n
    return sorted(couriers.values(), key=lambda c: (c.load, c.name))


def board(
    *, user: User, centre: Centre, district: str = "", status: str = "", limit: int = 100
) -> Board:
    """Waiting deliveries first by priority and window end, each with the least-loaded
    courier of its district as a suggestion; districts with their backlog and free hands."""
    now = timezone.now()
    base = deliveries_for(user).filter(centre=centre, status__in=OPEN_STATUSES)
    wanted = base.filter(status=status) if status else base.filter(status=DeliveryStatus.NEW)
    if district:
        wanted = wanted.filter(district=district)
    page = list(
        wanted.only(
            "pk",
            "district",
            "address",
            "priority",
            "status",
            "window_start",
            "window_end",
            "courier_id",
            "request_id",
            "version",
            "items",
        ).order_by("-priority", "window_end", "pk")[:limit]
    )
    # The board shows the addresses of its rows.
    audit_shown(user=user, deliveries=page, action=audit.Action.LIST)
    couriers = couriers_of(centre)
    free_by_district: dict[str, list[Courier]] = defaultdict(list)
    for c in couriers:  # sorted by load: the first of a district is the least loaded
        if c.load < MAX_LOAD:
            free_by_district[c.district].append(c)
    waiting = dict(_count_by(base.filter(status=DeliveryStatus.NEW), "district"))
    rows = []
    for d in page:
        pool = free_by_district.get(d.district) or free_by_district.get("") or []
        rows.append(BoardRow(d, d.window_end < now, pool[0] if pool else None))
    districts = sorted(
        {*waiting, *free_by_district},
        key=lambda name: (-waiting.get(name, 0), name),
    )
    return Board(
        rows=rows,
        open_count=sum(waiting.values()),
        overdue_count=base.filter(window_end__lt=now).count(),
        couriers=couriers,
        districts=[(n, waiting.get(n, 0), len(free_by_district.get(n, []))) for n in districts],
    )


def _count_by(qs: QuerySet, field: str):
    from django.db.models import Count

    return qs.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n")


def my_deliveries(*, courier: User, active: bool = True) -> QuerySet[Delivery]:
    """The deliveries this user carries (a 403 for roles that carry none: analysts…)."""
    require(courier, Kind.DELIVERY)
    qs = Delivery.objects.filter(courier=courier).select_related("request", "region")
    if active:
        return qs.filter(status__in=ACTIVE_STATUSES).order_by("window_end")
    return qs.exclude(status__in=ACTIVE_STATUSES).order_by("-finished_at")


def overdue(*, user: User) -> QuerySet[Delivery]:
    return (
        deliveries_for(user)
        .filter(status__in=OPEN_STATUSES, window_end__lt=timezone.now())
        .order_by("window_end")
    )


def courier_card(delivery: Delivery) -> dict:
    """What the courier may read: the recipient only while the delivery is theirs and active."""
    card = {
        "id": delivery.pk,
        "status": delivery.status,
        "status_label": delivery.get_status_display(),
        "district": delivery.district,
        "items": delivery.items,
        "window_start": delivery.window_start,
        "window_end": delivery.window_end,
        "payer": delivery.get_payer_display(),
        "payment_method": delivery.get_payment_method_display(),
        "receipt_required": delivery.receipt_required,
        "priority": delivery.priority,
        "overdue": delivery.is_overdue,
        "time_zone": delivery.region.time_zone,  # the window as the recipient agreed it
        "address": None,
        "recipient_first_name": None,
        "recipient_phone": None,
    }
    if delivery.status in ACTIVE_STATUSES:
        card.update(
            address=delivery.address,
            recipient_first_name=delivery.recipient_first_name,
            recipient_phone=delivery.recipient_phone,
        )
    return card


@dataclass
class AutoAssigned:
    assigned: list[tuple[int, int]]  # (delivery, courier)
    skipped: int  # taken meanwhile by another dispatcher, or no free courier in the district


def auto_assign(*, user: User, centre: Centre, limit: int = 50) -> AutoAssigned:
    """Give the most urgent waiting deliveries to the least-loaded free courier of their
    district (or one without a district), one by one through `services.assign`, so each
    is a normal, conflict-checked assignment."""
    from vmeste.core.errors import ServiceError
    from vmeste.deliveries.services import assign, require_dispatcher

    require_dispatcher(user)
    pools: dict[str, list[Courier]] = defaultdict(list)
    for c in couriers_of(centre):
        if c.load < MAX_LOAD:
            pools[c.district].append(c)
    waiting = (
        deliveries_for(user)
        .filter(centre=centre, status=DeliveryStatus.NEW)
        .order_by("-priority", "window_end", "pk")
        .values_list("pk", "district", "version")[:limit]
    )
    done, skipped = [], 0
    couriers_by_pk = {u.pk: u for u in User.objects.filter(
        pk__in=[c.pk for pool in pools.values() for c in pool])}  # fmt: skip
    for pk, district, version in waiting:
        pool = pools.get(district) or pools.get("") or []
        if not pool:
            skipped += 1
            continue
        courier = min(pool, key=lambda c: (c.load, c.name))
        try:
            assign(
                delivery_id=pk, courier=couriers_by_pk[courier.pk], actor=user,
                expected_version=version,
            )  # fmt: skip
        except ServiceError:
            skipped += 1
            continue
        courier.load += 1
        if courier.load >= MAX_LOAD:
            pool.remove(courier)
        done.append((pk, courier.pk))
    return AutoAssigned(done, skipped)
