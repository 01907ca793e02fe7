"""Deliveries: created from a request, dispatched to couriers, walked to the door.

The only code that writes deliveries. The request follows its delivery through
`vmeste.assistance.services.transition`, so the request's timeline tells the same story.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts import audit
from vmeste.accounts.access import Kind, Reach, reach, readable
from vmeste.accounts.models import User
from vmeste.accounts.roles import Right, Role
from vmeste.assistance import services as assistance
from vmeste.assistance.models import Request, Status
from vmeste.core.errors import Conflict, Forbidden, ValidationFailed
from vmeste.core.models import Centre, Region
from vmeste.core.scoping import in_scope, one_or_404
from vmeste.core.timeline import record_event
from vmeste.deliveries import transitions as table
from vmeste.deliveries.models import (
    ACTIVE_STATUSES,
    Delivery,
    DeliveryStatus,
    Payer,
    PaymentMethod,
    Priority,
)
from vmeste.people.phones import InvalidPhone, normalise
from vmeste.volunteers.models import RoleGrant, VolunteerStatus

DELIVERABLE_CATEGORIES = frozenset({"groceries", "medicines"})
MAX_LOAD = 5  # active deliveries a courier carries before the board stops suggesting them

REFUSALS = {
    "not_allowed": lambda: _("Из этого статуса так перейти нельзя."),
    "not_yours": lambda: _("Этот шаг делает не курьер, а диспетчер (или наоборот)."),
    "reason_required": lambda: _("Укажите причину."),
}


def can_dispatch(user) -> bool:
    return bool(user and user.is_authenticated and user.can(Right.HANDLE_REQUESTS))


def require_dispatcher(user) -> None:
    if not can_dispatch(user):
        raise Forbidden(_("Доставками распоряжаются диспетчеры, операторы и координаторы."))


def is_courier(user: User) -> bool:
    """A courier by account role, or an active volunteer granted the courier role."""
    if not user.is_active:
        return False
    if user.role == Role.COURIER:
        return True
    return RoleGrant.objects.filter(
        volunteer__user=user, volunteer__status=VolunteerStatus.ACTIVE, role="courier"
    ).exists()


def centre_regions(centre: Centre) -> set[int] | None:
    """Where the centre delivers: a regional centre its own region; a national one the
    regions of its lines (None: the whole country)."""
    if centre.kind == Centre.Kind.REGIONAL and centre.region_id:
        return {centre.region_id}
    regions: set[int] = set()
    for line in centre.lines.prefetch_related("regions"):
        ids = {r.pk for r in line.regions.all()}
        if not ids:
            return None
        regions |= ids
    return regions or None


def deliveries_for(user) -> QuerySet[Delivery]:
    """Deliveries the access policy lets the user read: a dispatcher those in scope, a
    courier the ones they carry, anyone else none (403)."""
    return readable(Delivery.objects.all(), user, Kind.DELIVERY, own=Q(courier=user))


def reads_in_full(user) -> bool:
    """Dispatchers read every delivery in scope whole; a courier reads their own through
    `dispatch.courier_card` (the recipient only while the delivery is active)."""
    return reach(user, Kind.DELIVERY) is Reach.SCOPE


def audit_shown(*, user: User, deliveries, action: str) -> None:
    """Write that the user was shown these deliveries (and whose they are): one INSERT."""
    deliveries = list(deliveries)
    persons = [
        d.request.person_id
        for d in deliveries
        if Delivery.request.is_cached(d) and d.request.person_id  # no query for it
    ]
    audit.record(
        user=user,
        action=action,
        purpose=audit.Purpose.DISPATCH,
        shown={
            Kind.DELIVERY: [d.pk for d in deliveries],
            Kind.REQUEST: [d.request_id for d in deliveries],
            Kind.PERSON: persons,
        },
    )


@dataclass
class DeliveryInput:
    address: str
    region: Region
    recipient_first_name: str
    recipient_phone: str
    window_start: datetime
    window_end: datetime
    payer: str
    payment_method: str
    items: list[dict] = field(default_factory=list)
    district: str = ""
    receipt_required: bool = True
    amount: Decimal | None = None
    priority: int = Priority.NORMAL


def _validate(data: DeliveryInput, centre: Centre) -> str:
    errors: dict[str, str] = {}
    if not data.address.strip():
        errors["address"] = _("Укажите адрес доставки.")
    if not data.recipient_first_name.strip():
        errors["recipient_first_name"] = _("Укажите имя получателя.")
    phone = ""
    try:
        phone = normalise(data.recipient_phone).e164
    except InvalidPhone:
        errors["recipient_phone"] = _("Неверный номер телефона получателя.")
    if not data.items or any(not str(i.get("name", "")).strip() for i in data.items):
        errors["items"] = _("Перечислите, что привезти (у каждой позиции — название).")
    if data.window_end <= data.window_start:
        errors["window_end"] = _("Окно доставки должно кончаться позже, чем начинается.")
    if data.payer not in Payer.values:
        errors["payer"] = _("Кто платит: получатель, фонд, центр или госпрограмма.")
    if data.payment_method not in PaymentMethod.values:
        errors["payment_method"] = _("Неизвестный способ оплаты.")
    if data.priority not in Priority.values:
        errors["priority"] = _("Приоритет: 0, 1 или 2.")
    allowed = centre_regions(centre)
    if allowed is not None and data.region.pk not in allowed:
        errors["region"] = _("Адрес вне регионов центра «%(centre)s»: %(region)s.") % {
            "centre": centre.name,
            "region": data.region.name,
        }
    if errors:
        raise ValidationFailed(errors, next(iter(errors.values())))
    return phone


def _event(delivery: Delivery, actor, frm: str, to: str, text: str = "") -> None:
    kind = "transition" if frm else "created"
    record_event(delivery, kind, actor=actor, from_status=frm, to_status=to, text=text)


def _request_follows(
    request: Request, *, to: str, actor, authorised_by, comment: str, outcome=None
) -> None:
    """Move the request with the delivery. A courier has no right to handle requests: the
    move is made under the authority of the dispatcher who assigned the delivery, and the
    timeline names the courier who actually did it."""
    request.refresh_from_db(fields=["status"])
    if request.is_closed:
        return  # closed by hand meanwhile: the delivery's own timeline still tells it
    if request.status in {Status.NEW}:
        assistance.transition(
            request_id=request.pk, to=Status.IN_PROGRESS, actor=actor, authorised_by=authorised_by
        )
    assistance.transition(
        request_id=request.pk,
        to=to,
        actor=actor,
        authorised_by=authorised_by,
        comment=comment,
        outcome=outcome,
    )


def _fill_from_person(data: DeliveryInput, request: Request) -> None:
    """What the operator left blank comes from the requester's card: usually the recipient."""
    person = request.person
    if not data.address.strip():
        data.address = person.address
    if not data.district.strip():
        data.district = person.district
    if not data.recipient_first_name.strip():
        data.recipient_first_name = person.first_name
    if not data.recipient_phone.strip():
        primary = person.phones.order_by("-is_primary", "pk").first()
        data.recipient_phone = primary.e164 if primary else ""


@transaction.atomic
def create_delivery(
    *, request_id: int, centre: Centre, data: DeliveryInput, actor: User
) -> Delivery:
    require_dispatcher(actor)
    request = assistance.get_request(request_id=request_id, user=actor)
    top = request.category.parent or request.category
    if top.code not in DELIVERABLE_CATEGORIES:
        raise ValidationFailed(
            {"request": _("Доставка делается по заявкам о продуктах и лекарствах.")}
        )
    _fill_from_person(data, request)
    phone = _validate(data, centre)
    delivery = Delivery.objects.create(
        request=request,
        centre=centre,
        region=data.region,
        district=data.district.strip(),
        address=data.address.strip(),
        recipient_first_name=data.recipient_first_name.strip(),
        recipient_phone=phone,
        items=[{"name": str(i["name"]).strip(), "qty": str(i.get("qty", ""))} for i in data.items],
        window_start=data.window_start,
        window_end=data.window_end,
        payer=data.payer,
        payment_method=data.payment_method,
        receipt_required=data.receipt_required,
        amount=data.amount,
        priority=data.priority,
        created_by=actor,
    )
    _event(delivery, actor, "", delivery.status, _("создана"))
    if request.status in {Status.NEW, Status.TRIAGED, Status.WAITING}:
        assistance.transition(
            request_id=request.pk,
            to=Status.IN_PROGRESS,
            actor=actor,
            comment=_("Создана доставка %s.") % delivery,
        )
        request.refresh_from_db()
    return delivery


def get_delivery(*, delivery_id: int, user: User) -> Delivery:
    """A dispatcher sees deliveries in scope; a courier only the ones they carry."""
    rows = deliveries_for(user).select_related("request", "region", "centre", "courier")
    return one_or_404(rows, delivery_id, _("Доставка не найдена."))


def open_delivery(*, delivery_id: int, user: User) -> Delivery:
    """A delivery shown to the user: `get_delivery`, audited."""
    delivery = get_delivery(delivery_id=delivery_id, user=user)
    audit_shown(user=user, deliveries=[delivery], action=audit.Action.VIEW)
    return delivery


def _stale(delivery_id: int) -> Conflict:
    current = Delivery.objects.filter(pk=delivery_id).select_related("courier").first()
    who = (
        current.courier.get_full_name() or current.courier.username
        if current and current.courier
        else ""
    )
    return Conflict(
        _("Доставку уже изменил другой диспетчер%(who)s. Обновите доску.")
        % {"who": f" (курьер: {who})" if who else ""},
        code="stale_version",
    )


@transaction.atomic
def assign(
    *, delivery_id: int, courier: User, actor: User, expected_version: int | None = None
) -> Delivery:
    """Give a waiting delivery to a courier. The UPDATE is conditional on the delivery still
    waiting (and on the version the dispatcher saw), so of two dispatchers assigning the same
    delivery at once exactly one wins and the other gets a conflict."""
    require_dispatcher(actor)
    delivery = get_delivery(delivery_id=delivery_id, user=actor)
    if not is_courier(courier):
        raise ValidationFailed(
            {"courier": _("У пользователя «%s» нет роли курьера.") % courier.username},
            code="not_a_courier",
        )
    if not in_scope(courier, region_id=delivery.region_id, line_id=None):
        raise ValidationFailed(
            {"courier": _("Курьер не работает в регионе этой доставки.")}, code="out_of_scope"
        )
    condition = Q(pk=delivery.pk, status=DeliveryStatus.NEW)
    if expected_version is not None:
        condition &= Q(version=expected_version)
    now = timezone.now()
    updated = Delivery.objects.filter(condition).update(
        status=DeliveryStatus.ASSIGNED,
        courier=courier,
        assigned_by=actor,
        assigned_at=now,
        version=F("version") + 1,
    )
    if not updated:
        raise _stale(delivery.pk)
    _event(delivery, actor, DeliveryStatus.NEW, DeliveryStatus.ASSIGNED, courier.username)
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def advance(
    *,
    delivery_id: int,
    to: str,
    actor: User,
    note: str = "",
    reason: str = "",
    amount: Decimal | None = None,
) -> Delivery:
    """One step of the delivery's walk; delivered resolves the request as helped by
    delivery, failed puts the failure on the request's timeline."""
    delivery = get_delivery(delivery_id=delivery_id, user=actor)
    as_ = table.COURIER if delivery.courier_id == actor.pk else table.DISPATCHER
    if as_ == table.DISPATCHER:
        require_dispatcher(actor)
    refusal = table.check(delivery.status, to, as_=as_, reason=reason)
    if refusal:
        raise ValidationFailed(
            {"reason" if refusal == "reason_required" else "to": REFUSALS[refusal]()},
            REFUSALS[refusal](),
            code=refusal,
        )
    frm = delivery.status
    changes: dict = {"status": to, "version": F("version") + 1}
    if to == DeliveryStatus.NEW:
        changes.update(courier=None, assigned_at=None)
    if to in {DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED}:
        changes["finished_at"] = timezone.now()
    if note:
        changes["courier_note"] = note.strip()
    if reason:
        changes["failure_reason"] = reason.strip()
    if amount is not None:
        changes["amount"] = amount
    if not Delivery.objects.filter(pk=delivery.pk, status=frm).update(**changes):
        raise _stale(delivery.pk)
    _event(delivery, actor, frm, to, reason or note)
    delivery.refresh_from_db()
    authority = None if can_dispatch(actor) else (delivery.assigned_by or delivery.created_by)
    who = actor.get_full_name() or actor.username
    if to == DeliveryStatus.DELIVERED:
        _request_follows(
            delivery.request,
            to=Status.RESOLVED,
            actor=actor,
            authorised_by=authority,
            comment=_("Доставка %(d)s доставлена (%(who)s).") % {"d": delivery, "who": who},
            outcome={"helped": True, "how": "delivery", "note": note.strip()},
        )
    elif to == DeliveryStatus.FAILED:
        assistance.add_comment(
            request_id=delivery.request_id,
            actor=actor,
            authorised_by=authority,
            text=_("Доставка %(d)s не удалась (%(who)s): %(reason)s")
            % {"d": delivery, "who": who, "reason": reason.strip()},
        )
    return delivery


def courier_loads(user_ids: list[int] | None = None) -> dict[int, int]:
    qs = Delivery.objects.filter(status__in=ACTIVE_STATUSES, courier__isnull=False)
    if user_ids is not None:
        qs = qs.filter(courier_id__in=user_ids)
    return dict(qs.values("courier_id").annotate(n=Count("pk")).values_list("courier_id", "n"))
