"""The referral status table. Pure: no database.

planned → submitted → accepted | rejected;  accepted → provided
"""

from __future__ import annotations

PLANNED, SUBMITTED, ACCEPTED, REJECTED, PROVIDED = (
    "planned",
    "submitted",
    "accepted",
    "rejected",
    "provided",
)
STATUSES = (PLANNED, SUBMITTED, ACCEPTED, REJECTED, PROVIDED)
FINAL = frozenset({REJECTED, PROVIDED})

# (from, to) → the date field the move stamps, and whether feedback is required.
TRANSITIONS: dict[tuple[str, str], tuple[str, bool]] = {
    (PLANNED, SUBMITTED): ("submitted_at", False),
    (SUBMITTED, ACCEPTED): ("accepted_at", False),
    (SUBMITTED, REJECTED): ("rejected_at", True),  # why it was refused is the feedback
    (ACCEPTED, PROVIDED): ("provided_at", False),
}


def allowed_targets(status: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == status]


def check(frm: str, to: str, *, feedback: str = "") -> str | None:
    """None when the move is allowed, else the refusal's code."""
    if to not in STATUSES:
        return "unknown_status"
    if (frm, to) not in TRANSITIONS:
        return "not_allowed"
    if TRANSITIONS[(frm, to)][1] and not feedback.strip():
        return "feedback_required"
    return None
