"""The request's statuses and outcomes, its status table and its guards. Pure: no
database. The enumerations are defined here once; the models take their choices from them.

new → triaged → in_progress ⇄ waiting → resolved | rejected | cancelled
a closed request can be reopened (with a reason) to in_progress.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Status(TextChoices):
    NEW = "new", _("новая")
    TRIAGED = "triaged", _("разобрана")
    IN_PROGRESS = "in_progress", _("в работе")
    WAITING = "waiting", _("ожидание")
    RESOLVED = "resolved", _("решена")
    REJECTED = "rejected", _("отклонена")
    CANCELLED = "cancelled", _("отменена")


class OutcomeHow(TextChoices):
    DELIVERY = "delivery", _("доставка")
    MEASURE = "measure", _("мера господдержки")
    ORGANIZATION = "organization", _("организация")
    CONSULTATION = "consultation", _("консультация")
    OTHER = "other", _("другое")


NEW, TRIAGED, IN_PROGRESS, WAITING = Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING
RESOLVED, REJECTED, CANCELLED = Status.RESOLVED, Status.REJECTED, Status.CANCELLED

STATUSES = tuple(Status)
CLOSED = frozenset({RESOLVED, REJECTED, CANCELLED})

# (from, to) → what the move needs. "outcome": an outcome must be given; "reason": a comment.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (NEW, TRIAGED): frozenset(),
    (NEW, IN_PROGRESS): frozenset(),
    (NEW, REJECTED): frozenset({"reason"}),
    (NEW, CANCELLED): frozenset({"reason"}),
    (TRIAGED, IN_PROGRESS): frozenset(),
    (TRIAGED, WAITING): frozenset(),
    (TRIAGED, RESOLVED): frozenset({"outcome"}),
    (TRIAGED, REJECTED): frozenset({"reason"}),
    (TRIAGED, CANCELLED): frozenset({"reason"}),
    (IN_PROGRESS, WAITING): frozenset(),
    (IN_PROGRESS, RESOLVED): frozenset({"outcome"}),
    (IN_PROGRESS, REJECTED): frozenset({"reason"}),
    (IN_PROGRESS, CANCELLED): frozenset({"reason"}),
    (WAITING, IN_PROGRESS): frozenset(),
    (WAITING, RESOLVED): frozenset({"outcome"}),
    (WAITING, REJECTED): frozenset({"reason"}),
    (WAITING, CANCELLED): frozenset({"reason"}),
    # Reopening: a closed request goes back to work, and the reason is on the timeline.
    (RESOLVED, IN_PROGRESS): frozenset({"reason"}),
    (REJECTED, IN_PROGRESS): frozenset({"reason"}),
    (CANCELLED, IN_PROGRESS): frozenset({"reason"}),
}

OUTCOME_HOW = tuple(OutcomeHow)


@dataclass(frozen=True)
class Refusal:
    field: str
    code: str


def allowed_targets(status: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == status]


def is_reopen(frm: str, to: str) -> bool:
    return frm in CLOSED and to not in CLOSED


def check(frm: str, to: str, *, comment: str = "", outcome: dict | None = None) -> list[Refusal]:
    """Everything wrong with moving from `frm` to `to`; an empty list means the move is fine."""
    if to not in STATUSES:
        return [Refusal("to", "unknown_status")]
    needs = TRANSITIONS.get((frm, to))
    if needs is None:
        return [Refusal("to", "not_allowed")]
    refusals = []
    if "reason" in needs and not comment.strip():
        refusals.append(Refusal("comment", "reason_required"))
    if "outcome" in needs:
        if not outcome:
            refusals.append(Refusal("outcome", "outcome_required"))
        else:
            if not isinstance(outcome.get("helped"), bool):
                refusals.append(Refusal("outcome.helped", "helped_required"))
            if outcome.get("how") not in OUTCOME_HOW:
                refusals.append(Refusal("outcome.how", "unknown_how"))
    elif outcome:
        refusals.append(Refusal("outcome", "outcome_not_expected"))
    return refusals
