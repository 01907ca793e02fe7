"""A request's deliveries: the block on the request page, and «Создать доставку» — a form
pre-filled from the request that calls `services.create_delivery`.

They live here, not in `assistance`, because deliveries build on requests (an import from
`assistance` up to `deliveries` would be an upward arrow): the request page fetches its block.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vmeste.assistance import services as assistance
from vmeste.assistance.models import Request
from vmeste.core.errors import NotFound, ServiceError, ValidationFailed
from vmeste.core.models import Centre
from vmeste.deliveries import services
from vmeste.deliveries.models import DeliveryStatus, Payer, PaymentMethod, Priority
from vmeste.volunteers.services import centre_by_code

WINDOW_FORMAT = "%Y-%m-%dT%H:%M"
ITEMS_MAX = 30
# A new delivery is offered once the last one has ended (a failed one may be tried again).
ENDED = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED})


def _request(request: HttpRequest, request_id: int) -> Request:
    try:
        return assistance.get_request(request_id=request_id, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def deliverable(item: Request) -> bool:
    top = item.category.parent or item.category
    return top.code in services.DELIVERABLE_CATEGORIES


@login_required
@require_GET
def for_request(request: HttpRequest, request_id: int) -> HttpResponse:
    """htmx: the request's deliveries with their state, and the button to create one."""
    if not services.can_dispatch(request.user):
        raise PermissionDenied  # before the lookup: the same refusal whoever's request it is
    item = _request(request, request_id)
    rows = list(
        services.deliveries_for(request.user)
        .filter(request=item)
        .select_related("courier")
        .order_by("-pk")
    )
    under_way = any(d.status not in ENDED for d in rows)
    can_create = services.can_dispatch(request.user) and deliverable(item) and not under_way
    context = {"item": item, "deliveries": rows, "can_create": can_create and not item.is_closed}
    return render(request, "deliveries/_for_request.html", context)


def items_from(description: str) -> list[str]:
    """What the caller asked for, one item a line: «Нужны продукты: хлеб, молоко» → хлеб,
    молоко. A first guess for the coordinator to correct, never stored without them."""
    text = description.split(":", 1)[1] if ":" in description else description
    parts = [p.strip(" .;—-") for p in re.split(r"[,;\n]", text)]
    return [p for p in parts if p][:ITEMS_MAX]


def centres_for(item: Request) -> list[Centre]:
    """Centres that serve the request's line; any centre when none names it."""
    serving = list(Centre.objects.filter(lines=item.line_id).order_by("name_ru"))
    return serving or list(Centre.objects.order_by("name_ru"))


def _initial(request: HttpRequest, item: Request, centres: list[Centre]) -> dict:
    person = item.person
    primary = person.phones.order_by("-is_primary", "pk").first()
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    mine = request.user.centre_id
    centre = next((c for c in centres if c.pk == mine), centres[0] if centres else None)
    return {
        "centre": centre.code if centre else "",
        "address": item.address or person.address,
        "district": item.district or person.district,
        "recipient_first_name": person.first_name,
        "recipient_phone": item.phone or (primary.e164 if primary else ""),
        "items": "\n".join(items_from(item.description)),
        "window_start": start.strftime(WINDOW_FORMAT),
        "window_end": (start + timedelta(hours=3)).strftime(WINDOW_FORMAT),
        "payer": Payer.RECIPIENT,
        "payment_method": PaymentMethod.CASH,
        "priority": str(Priority.URGENT if item.urgency != "normal" else Priority.NORMAL),
    }


def _window(text: str, name: str, errors: dict) -> datetime:
    try:
        return timezone.make_aware(datetime.strptime(text.strip(), WINDOW_FORMAT))
    except ValueError:
        errors[name] = _("Дата и время в виде ДД.ММ.ГГГГ ЧЧ:ММ.")
        return timezone.now()


def read_form(post, item: Request) -> services.DeliveryInput:
    """The form as the service's input; a malformed window or priority fails by its field."""
    errors: dict[str, str] = {}
    start = _window(post.get("window_start", ""), "window_start", errors)
    end = _window(post.get("window_end", ""), "window_end", errors)
    priority = post.get("priority", "0")
    lines = [p.strip() for p in post.get("items", "").splitlines() if p.strip()]
    if len(lines) > ITEMS_MAX:
        errors["items"] = _("Не больше %d позиций.") % ITEMS_MAX
    if errors:
        raise ValidationFailed(errors, next(iter(errors.values())))
    return services.DeliveryInput(
        address=post.get("address", "")[:500],
        district=post.get("district", "")[:150],
        region=item.region,
        recipient_first_name=post.get("recipient_first_name", "")[:100],
        recipient_phone=post.get("recipient_phone", "")[:40],
        window_start=start,
        window_end=end,
        payer=post.get("payer", ""),
        payment_method=post.get("payment_method", ""),
        items=[{"name": line[:200]} for line in lines],
        priority=int(priority) if priority.isdigit() else -1,
    )


@login_required
def create_for_request(request: HttpRequest, request_id: int) -> HttpResponse:
    if not services.can_dispatch(request.user):
        raise PermissionDenied
    item = _request(request, request_id)
    centres = centres_for(item)
    values = _initial(request, item, centres)
    errors: dict = {}
    message, status = "", 200
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in values}
        try:
            centre = centre_by_code(values["centre"], user=request.user)
            delivery = services.create_delivery(
                request_id=item.pk, centre=centre, data=read_form(request.POST, item),
                actor=request.user,
            )  # fmt: skip
        except ServiceError as exc:
            errors, message, status = exc.fields, exc.message, exc.status
        else:
            messages.success(request, _("Доставка Д-%d создана.") % delivery.pk)
            return redirect("assistance:request_detail", request_id=item.pk)
    context = {
        "item": item,
        "values": values,
        "errors": errors,
        "error_message": message,
        "centres": centres,
        "payers": Payer.choices,
        "methods": PaymentMethod.choices,
        "priorities": Priority.choices,
    }
    return render(request, "deliveries/create.html", context, status=status)
