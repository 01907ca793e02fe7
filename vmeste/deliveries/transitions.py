"""The delivery's statuses and their table. Pure: no database. The enumeration is defined
here once; the model takes its choices from it.

new → assigned → accepted → picked_up → delivered | failed
assigned/accepted → new (the courier declines, or the dispatcher takes it back)
new/assigned/accepted → cancelled
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(TextChoices):
    NEW = "new", _("ждёт курьера")
    ASSIGNED = "assigned", _("назначена")
    ACCEPTED = "accepted", _("принята курьером")
    PICKED_UP = "picked_up", _("забрана")
    DELIVERED = "delivered", _("доставлена")
    FAILED = "failed", _("не доставлена")
    CANCELLED = "cancelled", _("отменена")


NEW, ASSIGNED, ACCEPTED, PICKED_UP = (
    DeliveryStatus.NEW,
    DeliveryStatus.ASSIGNED,
    DeliveryStatus.ACCEPTED,
    DeliveryStatus.PICKED_UP,
)
DELIVERED, FAILED, CANCELLED = (
    DeliveryStatus.DELIVERED,
    DeliveryStatus.FAILED,
    DeliveryStatus.CANCELLED,
)

OPEN_STATUSES = frozenset({NEW, ASSIGNED, ACCEPTED, PICKED_UP})
# While a courier holds the delivery: the only time they see the recipient's details.
ACTIVE_STATUSES = frozenset({ASSIGNED, ACCEPTED, PICKED_UP})

# (from, to) → who may make the move, and what it needs.
COURIER, DISPATCHER = "courier", "dispatcher"
TRANSITIONS: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {
    (NEW, ASSIGNED): (frozenset({DISPATCHER}), frozenset({"courier"})),
    (ASSIGNED, ACCEPTED): (frozenset({COURIER}), frozenset()),
    (ASSIGNED, NEW): (frozenset({COURIER, DISPATCHER}), frozenset()),
    (ACCEPTED, NEW): (frozenset({COURIER, DISPATCHER}), frozenset({"reason"})),
    (ACCEPTED, PICKED_UP): (frozenset({COURIER}), frozenset()),
    (PICKED_UP, DELIVERED): (frozenset({COURIER, DISPATCHER}), frozenset()),
    (PICKED_UP, FAILED): (frozenset({COURIER, DISPATCHER}), frozenset({"reason"})),
    (ACCEPTED, FAILED): (frozenset({COURIER, DISPATCHER}), frozenset({"reason"})),
    (NEW, CANCELLED): (frozenset({DISPATCHER}), frozenset({"reason"})),
    (ASSIGNED, CANCELLED): (frozenset({DISPATCHER}), frozenset({"reason"})),
    (ACCEPTED, CANCELLED): (frozenset({DISPATCHER}), frozenset({"reason"})),
}


def check(frm: str, to: str, *, as_: str, reason: str = "") -> str | None:
    """Why the move is refused (a code), or None when it is fine."""
    rule = TRANSITIONS.get((frm, to))
    if rule is None:
        return "not_allowed"
    who, needs = rule
    if as_ not in who:
        return "not_yours"
    if "reason" in needs and not reason.strip():
        return "reason_required"
    return None


def next_steps(status: str, *, as_: str) -> list[str]:
    return [to for (frm, to), (who, _n) in TRANSITIONS.items() if frm == status and as_ in who]
