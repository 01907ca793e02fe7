"""The router's vocabulary: a queue's rule (who may answer its calls, as the wait grows) and
the decisions the router makes. Pure values, shared by the router (``routing``), the
models that store a queue's rule and the dispatch that feeds the router."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class RoutingError(Exception):
    """An operation that contradicts the state (a programming or event-order error)."""


@dataclass(frozen=True, slots=True)
class QueueRule:
    """How calls of one queue (a line's topic, an IVR branch) are matched to agents."""

    code: str
    skill: str
    # (seconds waited, minimum skill level), by ascending seconds; the first step is at 0.
    escalation: tuple[tuple[float, int], ...] = ((0.0, 1),)
    overflow_after: float | None = None
    callback_after: float | None = None
    overflow_to: str | None = None  # another queue's code: its agents too, after overflow_after

    def min_level(self, arrived: float, now: float) -> int:
        level = self.escalation[0][1]
        for after, step_level in self.escalation:
            if now >= arrived + after:
                level = step_level
        return level

    def overflow_due(self, arrived: float, now: float) -> bool:
        return self.overflow_after is not None and now >= arrived + self.overflow_after


class Assignment(NamedTuple):  # a tuple: made for every call, so made cheaply
    call_id: str
    agent_id: str
    at: float
    callback: bool = False


class CallbackOffer(NamedTuple):
    """The caller has waited the queue's maximum: offer them a callback."""

    call_id: str
    at: float


Decision = Assignment | CallbackOffer
