"""The delivery status table. Pure: no database.

new → assigned → accepted → picked_up → delivered | failed
assigned/accepted → new (the courier declines, or the dispatcher takes it back)
new/assigned/accepted → cancelled
"""

from __future__ import annotations

NEW, ASSIGNED, ACCEPTED, PICKED_UP = "new", "assigned", "accepted", "picked_up"
DELIVERED, FAILED, CANCELLED = "delivered", "failed", "cancelled"

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
