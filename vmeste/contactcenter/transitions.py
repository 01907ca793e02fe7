"""The agent's state machine: one table, pure, read by services, the toolbar and tests.

offline → available ⇄ ringing → on call → wrap-up → available; a break needs a reason;
an agent who lets a call ring out is made not ready (they are probably away).
"""

from __future__ import annotations

from enum import StrEnum


class AgentState(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    ON_BREAK = "on_break"
    NOT_READY = "not_ready"


class AgentEvent(StrEnum):
    SIGN_IN = "sign_in"
    RING = "ring"  # the router has given them a call
    ANSWER = "answer"
    NO_ANSWER = "no_answer"  # they let it ring out
    CALLER_GONE = "caller_gone"  # the caller hung up while it rang
    HANG_UP = "hang_up"  # the call ended (or was transferred away)
    WRAP_DONE = "wrap_done"
    TAKE_BREAK = "take_break"
    READY = "ready"
    NOT_READY = "not_ready"
    SIGN_OUT = "sign_out"


S, E = AgentState, AgentEvent

# (event) -> (states it may happen in, state it leads to)
TRANSITIONS: dict[AgentEvent, tuple[frozenset[AgentState], AgentState]] = {
    E.SIGN_IN: (frozenset({S.OFFLINE}), S.AVAILABLE),
    E.RING: (frozenset({S.AVAILABLE}), S.RINGING),
    E.ANSWER: (frozenset({S.RINGING}), S.ON_CALL),
    E.NO_ANSWER: (frozenset({S.RINGING}), S.NOT_READY),
    E.CALLER_GONE: (frozenset({S.RINGING}), S.AVAILABLE),
    E.HANG_UP: (frozenset({S.ON_CALL}), S.WRAP_UP),
    E.WRAP_DONE: (frozenset({S.WRAP_UP}), S.AVAILABLE),
    E.TAKE_BREAK: (frozenset({S.AVAILABLE, S.NOT_READY, S.WRAP_UP}), S.ON_BREAK),
    E.READY: (frozenset({S.NOT_READY, S.ON_BREAK, S.WRAP_UP}), S.AVAILABLE),
    E.NOT_READY: (frozenset({S.AVAILABLE, S.ON_BREAK, S.WRAP_UP}), S.NOT_READY),
    E.SIGN_OUT: (frozenset({S.AVAILABLE, S.NOT_READY, S.ON_BREAK, S.WRAP_UP}), S.OFFLINE),
}

# Events a person triggers from the toolbar (the rest come from telephony and the router).
MANUAL_EVENTS = frozenset({E.SIGN_IN, E.TAKE_BREAK, E.READY, E.NOT_READY, E.SIGN_OUT, E.WRAP_DONE})

# States in which the agent holds a call: they may not leave until it ends.
HOLDING_A_CALL = frozenset({S.RINGING, S.ON_CALL})


class TransitionRefused(Exception):
    def __init__(self, state: AgentState, event: AgentEvent, reason: str = "") -> None:
        super().__init__(reason or f"{event} is not possible when {state}")
        self.state, self.event = state, event


def next_state(state: AgentState, event: AgentEvent, *, reason: str = "") -> AgentState:
    allowed, target = TRANSITIONS[event]
    if state not in allowed:
        raise TransitionRefused(state, event)
    if event is E.TAKE_BREAK and not reason.strip():
        raise TransitionRefused(state, event, "a break needs a reason")
    return target


def events_from(state: AgentState, *, manual_only: bool = False) -> list[AgentEvent]:
    """What may happen next: the toolbar shows these as buttons."""
    return [
        event
        for event, (allowed, _target) in TRANSITIONS.items()
        if state in allowed and (not manual_only or event in MANUAL_EVENTS)
    ]
