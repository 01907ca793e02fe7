"""The demo's deliveries: groceries and medicines taken to the doors of the Moscow and
Volgograd callers whose requests asked for them, in every state of the delivery's walk.

A delivery follows its request: a request resolved by delivery has one delivered; a request in
progress has one on its way (waiting for a courier, assigned, accepted, picked up); a request
waiting has one that failed; a cancelled request one cancelled. Each delivery's timeline is a
walk through the status table (`deliveries.transitions`), each step by whom the table allows;
the couriers are the centre's courier login and its volunteers granted the courier role.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from vmeste.accounts.models import User
from vmeste.assistance.models import Request
from vmeste.core.models import Centre
from vmeste.deliveries import transitions as walk
from vmeste.deliveries.models import Delivery, DeliveryEvent, Payer, PaymentMethod, Priority
from vmeste.deliveries.services import DELIVERABLE_CATEGORIES
from vmeste.demo.timeline import paths_from
from vmeste.volunteers.models import VolunteerStatus

CENTRE_OF_REGION = {"RU-VGG": "volgograd", "RU-MOW": "moscow"}
# The path from «new» to each state, as the status table allows it.
PATHS = paths_from(
    walk.NEW,
    [walk.ASSIGNED, walk.ACCEPTED, walk.PICKED_UP, walk.DELIVERED],
    {walk.FAILED: walk.PICKED_UP, walk.CANCELLED: walk.NEW},
)
ON_THE_WAY = [walk.NEW, walk.ASSIGNED, walk.ACCEPTED, walk.PICKED_UP]
GROCERIES = ["Хлеб", "Молоко 1 л", "Гречка 1 кг", "Яйца 10 шт.", "Чай", "Яблоки 1 кг", "Сыр"]
MEDICINES = ["Эналаприл 10 мг", "Аспирин кардио", "Метформин 500 мг", "Бинт", "Корвалол"]
FAILURES = ["Не открыли дверь, телефон не отвечает", "Аптека закрыта, лекарства нет в наличии"]


def create(
    *, seed: int, now: datetime, centres: dict[str, Centre], users: dict[str, User]
) -> dict[str, int]:
    """Deliveries for the demo's grocery and medicine requests in Moscow and Volgograd."""
    rng = random.Random(seed * 17 + 3)
    requests = (
        Request.objects.filter(
            region__code__in=CENTRE_OF_REGION,
            category__code__in=DELIVERABLE_CATEGORIES,
            status__in=["in_progress", "waiting", "resolved", "cancelled"],
        )
        .select_related("person", "region", "assignee", "created_by")
        .prefetch_related("person__phones")
        .order_by("created_at", "pk")
    )
    couriers = _couriers(centres, users)
    rows: list[tuple[Delivery, list[DeliveryEvent]]] = []
    on_the_way = 0
    carrying: set[str] = set()  # the centres whose courier login was given a delivery
    for request in requests:
        final = _final_state(request, on_the_way)
        if final is None:
            continue
        on_the_way += final in ON_THE_WAY
        centre = centres[CENTRE_OF_REGION[request.region.code]]
        pool = couriers[centre.code]
        courier = rng.choice(pool) if final != walk.NEW else None
        carried = final in (walk.ASSIGNED, walk.ACCEPTED) and centre.code not in carrying
        if carried and pool and pool[0].role == "courier":
            # The courier login always has one to carry, whatever the hour of the load.
            courier = pool[0]
            carrying.add(centre.code)
        delivery = _delivery(rng, request, centre, courier, final, now)
        rows.append((delivery, _timeline(delivery, PATHS[final], now)))
    # The events were made with their delivery unsaved: saving the deliveries gives them the
    # keys the events then take (Django fills a foreign key from its saved object).
    Delivery.objects.bulk_create([d for d, _e in rows], batch_size=500)
    DeliveryEvent.objects.bulk_create([e for _d, events in rows for e in events], batch_size=1000)
    return {"deliveries": len(rows)}


def _couriers(centres: dict[str, Centre], users: dict[str, User]) -> dict[str, list[User]]:
    """Each centre's couriers: its courier login (Volgograd) and its active volunteers granted
    the courier role; the courier login gets the larger share, so that it has work."""
    found: dict[str, list[User]] = {}
    for code in CENTRE_OF_REGION.values():
        volunteers = list(
            User.objects.filter(
                volunteer__centre=centres[code],
                volunteer__status=VolunteerStatus.ACTIVE,
                volunteer__roles__role="courier",
            ).order_by("username")[:8]
        )
        logins = [
            u for u in users.values() if u.role == "courier" and u.centre_id == centres[code].pk
        ]
        found[code] = logins * 4 + volunteers
    return found


def _final_state(request: Request, on_the_way: int) -> str | None:
    """Where the delivery of this request stands, following the request's own state."""
    if request.status == "resolved":
        return walk.DELIVERED if request.outcome_how == "delivery" else None
    if request.status == "waiting":
        return walk.FAILED
    if request.status == "cancelled":
        return walk.CANCELLED
    return ON_THE_WAY[on_the_way % len(ON_THE_WAY)]  # in progress: every step of the way


def _delivery(rng, request: Request, centre: Centre, courier, final: str, now) -> Delivery:
    person = request.person
    phone = next((p.e164 for p in person.phones.all() if p.is_primary), "")
    zone = ZoneInfo(request.region.time_zone)
    day = (request.created_at + timedelta(days=1)).astimezone(zone).date()
    window_start = datetime.combine(day, time(rng.choice([10, 12, 14])), tzinfo=zone)
    goods = MEDICINES if request.category.code == "medicines" else GROCERIES
    dispatcher = request.assignee or request.created_by
    return Delivery(
        request=request,
        centre=centre,
        region=request.region,
        district=person.district,
        address=person.address or f"{request.region.name}, адрес уточняется",
        recipient_first_name=person.first_name or "Получатель",
        recipient_phone=phone,
        items=[{"name": name, "qty": "1"} for name in rng.sample(goods, rng.randint(2, 4))],
        window_start=window_start,
        window_end=window_start + timedelta(hours=4),
        payer=rng.choice([Payer.RECIPIENT, Payer.RECIPIENT, Payer.CHARITY]),
        payment_method=rng.choice([PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.FREE]),
        priority=Priority.URGENT if request.urgency != "normal" else Priority.NORMAL,
        status=final,
        courier=courier if final not in (walk.NEW, walk.CANCELLED) else None,
        assigned_by=dispatcher if courier else None,
        created_by=dispatcher,
        created_at=min(request.created_at + timedelta(hours=1), now),
        failure_reason=rng.choice(FAILURES) if final == walk.FAILED else "",
        courier_note="Передано лично в руки" if final == walk.DELIVERED else "",
    )


def _timeline(delivery: Delivery, path: list[str], now: datetime) -> list[DeliveryEvent]:
    """The walk from «new» to the delivery's state: each step by whom the table lets make it,
    the last one at the request's resolution when it closed it."""
    at = delivery.created_at
    events = [
        DeliveryEvent(
            delivery=delivery, at=at, actor=delivery.created_by, kind="created", to_status="new"
        )
    ]
    frm = walk.NEW
    steps = max(len(path), 1)
    end = delivery.request.resolved_at or min(delivery.window_start, now)
    gap = max((min(end, now) - at) / (steps + 1), timedelta(minutes=5))
    for to in path:
        at = min(at + gap, now)
        who, _needs = walk.TRANSITIONS[(frm, to)]
        by_courier = walk.COURIER in who and delivery.courier is not None
        actor = delivery.courier if by_courier else delivery.created_by
        text = delivery.failure_reason if to == walk.FAILED else ""
        if to == walk.CANCELLED:
            text = "Заявку отменил заявитель"
        if to == walk.ASSIGNED:
            text = delivery.courier.username
        events.append(
            DeliveryEvent(
                delivery=delivery,
                at=at,
                actor=actor,
                kind="transition",
                from_status=frm,
                to_status=to,
                text=text,
            )
        )
        frm = to
    if delivery.status in (walk.DELIVERED, walk.FAILED, walk.CANCELLED):
        delivery.finished_at = at
    if delivery.courier is not None:
        delivery.assigned_at = events[1].at if len(events) > 1 else None
    return events
