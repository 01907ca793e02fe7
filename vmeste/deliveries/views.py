"""Pages: the courier's "my deliveries" (phone-sized) and the dispatch board."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vmeste.accounts import audit
from vmeste.accounts.access import Kind
from vmeste.accounts.models import User
from vmeste.accounts.ui import require_reading
from vmeste.core.errors import ServiceError
from vmeste.core.models import Centre
from vmeste.deliveries import dispatch, services, transitions
from vmeste.deliveries.models import DeliveryStatus
from vmeste.volunteers.services import centre_by_code, centre_shown
from vmeste.volunteers.shifts import centre_zone

STEP_LABELS = {
    DeliveryStatus.ACCEPTED: _("Беру"),
    DeliveryStatus.NEW: _("Отказаться"),
    DeliveryStatus.PICKED_UP: _("Забрал(а) покупки"),
    DeliveryStatus.DELIVERED: _("Доставлено"),
    DeliveryStatus.FAILED: _("Не удалось доставить"),
}


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    require_reading(request.user, Kind.DELIVERY)
    active = dispatch.my_deliveries(courier=request.user, active=True)
    cards = []
    for d in active:
        card = dispatch.courier_card(d)
        card["steps"] = [
            (
                to,
                STEP_LABELS.get(to, to),
                to in {DeliveryStatus.FAILED, DeliveryStatus.NEW}
                and d.status != DeliveryStatus.ASSIGNED,
            )
            for to in transitions.next_steps(d.status, as_=transitions.COURIER)
        ]
        cards.append(card)
    services.audit_shown(user=request.user, deliveries=active, action=audit.Action.LIST)
    done = [
        dispatch.courier_card(d)
        for d in dispatch.my_deliveries(courier=request.user, active=False)[:20]
    ]
    return render(
        request, "deliveries/mine.html", {"cards": cards, "done": done, "here": "deliveries"}
    )


@login_required
@require_POST
def step(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.advance(
            delivery_id=pk,
            to=request.POST.get("to", ""),
            actor=request.user,
            note=request.POST.get("note", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Статус доставки обновлён."))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") or "deliveries:mine")


@login_required
def board(request: HttpRequest) -> HttpResponse:
    if not services.can_dispatch(request.user):
        raise Http404
    centre = centre_shown(request.user, request.GET.get("centre", ""))
    centres = list(Centre.objects.all())
    b = dispatch.board(user=request.user, centre=centre, district=request.GET.get("district", ""))
    return render(
        request,
        "deliveries/board.html",
        {
            "board": b,
            "centre": centre,
            "centres": centres,
            "zone": centre_zone(centre),
            "district": request.GET.get("district", ""),
        },
    )


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    courier = User.objects.filter(pk=request.POST.get("courier") or 0).first()
    try:
        if courier is None:
            raise ServiceError(_("Выберите курьера."))
        version = request.POST.get("version")
        services.assign(
            delivery_id=pk,
            courier=courier,
            actor=request.user,
            expected_version=int(version) if version else None,
        )
        messages.success(request, _("Доставка назначена: %s.") % courier.get_full_name())
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") or "deliveries:board")


@login_required
@require_POST
def auto_assign(request: HttpRequest) -> HttpResponse:
    try:
        centre = centre_by_code(request.POST.get("centre", ""), user=request.user)
        result = dispatch.auto_assign(user=request.user, centre=centre)
        messages.success(
            request,
            _("Назначено: %(n)d, осталось без курьера: %(s)d.")
            % {"n": len(result.assigned), "s": result.skipped},
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") or "deliveries:board")
