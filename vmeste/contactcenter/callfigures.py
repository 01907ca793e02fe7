"""What a day's (or a period's) calls count as: one definition for the wallboard and the
published figures.

A call that ended in the voice menu never reached a queue, so it is neither offered nor
abandoned and does not weigh on the service level; it is counted apart: served by the menu
(``served_in_menu``: a message, the robot's answer, the night message, or put through by
the menu to an outside number) or abandoned in the
menu (``abandoned_in_menu``: the caller hung up before choosing a queue).

Service level = calls answered within the queue's target / calls offered (a queue's calls
abandoned while waiting stay in the denominator).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from vmeste.contactcenter.calllog import ABANDONED_IN_MENU, SERVED_IN_MENU
from vmeste.contactcenter.models import Call

# The names of the counts ``count_calls`` gives, in the order they are shown.
CALL_FIGURES = (
    "offered",
    "answered",
    "within_target",  # answered within the queue's target
    "abandoned",
    "abandoned_in_menu",
    "served_in_menu",
)

SERVED_BY_MENU = Q(disposition=SERVED_IN_MENU, state=Call.State.ENDED) | Q(
    # put through by the menu's own transfer node to an outside number (a specialist):
    # no queue, nobody of ours answered — served there, not an unanswered offered call
    disposition="transferred",
    queue__isnull=True,
    answered_at__isnull=True,
)
ABANDONED_IN_THE_MENU = Q(disposition=ABANDONED_IN_MENU, state=Call.State.ABANDONED)


def call_counts() -> dict[str, Count]:
    """The aggregates of ``CALL_FIGURES`` over a queryset of calls (``.aggregate(**…)`` or
    ``.values(…).annotate(**…)``). Named apart from the Call's fields, which an
    annotation may not shadow."""
    offered = ~SERVED_BY_MENU & ~ABANDONED_IN_THE_MENU
    return {
        "offered": Count("id", filter=offered),
        "answered": Count("id", filter=Q(answered_at__isnull=False)),
        "within_target": Count("id", filter=Q(answered_within_target=True)),
        "abandoned": Count("id", filter=Q(state=Call.State.ABANDONED) & ~ABANDONED_IN_THE_MENU),
        "abandoned_in_menu": Count("id", filter=ABANDONED_IN_THE_MENU),
        "served_in_menu": Count("id", filter=SERVED_BY_MENU),
    }


def service_level(counts: dict[str, int]) -> float | None:
    """Answered within the target / offered, to four places; None when nothing was offered."""
    if not counts["offered"]:
        return None
    return round(counts["within_target"] / counts["offered"], 4)


def count_calls(calls: QuerySet) -> dict[str, int | float | None]:
    """The counts of ``CALL_FIGURES`` over ``calls`` and their ``service_level``."""
    counts = calls.aggregate(**call_counts())
    return {**counts, "service_level": service_level(counts)}
