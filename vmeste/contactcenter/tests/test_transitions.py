"""The agent's state table."""

from __future__ import annotations

import pytest

from vmeste.contactcenter.transitions import (
    TRANSITIONS,
    AgentEvent,
    AgentState,
    TransitionRefused,
    events_from,
    next_state,
)

S, E = AgentState, AgentEvent


def run(*events: AgentEvent, reason: str = "") -> AgentState:
    state = S.OFFLINE
    for event in events:
        state = next_state(state, event, reason=reason)
    return state


def test_a_working_cycle():
    assert run(E.SIGN_IN) is S.AVAILABLE
    assert run(E.SIGN_IN, E.RING, E.ANSWER, E.HANG_UP) is S.WRAP_UP
    assert run(E.SIGN_IN, E.RING, E.ANSWER, E.HANG_UP, E.WRAP_DONE) is S.AVAILABLE
    assert run(E.SIGN_IN, E.RING, E.CALLER_GONE) is S.AVAILABLE


def test_a_missed_call_makes_the_agent_not_ready():
    assert run(E.SIGN_IN, E.RING, E.NO_ANSWER) is S.NOT_READY
    assert run(E.SIGN_IN, E.RING, E.NO_ANSWER, E.READY) is S.AVAILABLE


def test_a_break_needs_a_reason():
    with pytest.raises(TransitionRefused):
        run(E.SIGN_IN, E.TAKE_BREAK)
    assert run(E.SIGN_IN, E.TAKE_BREAK, reason="обед") is S.ON_BREAK


def test_no_leaving_with_a_call_and_no_ringing_unless_available():
    for state in (S.RINGING, S.ON_CALL):
        for event in (E.SIGN_OUT, E.TAKE_BREAK, E.NOT_READY, E.READY):
            with pytest.raises(TransitionRefused):
                next_state(state, event, reason="x")
    for state in S:
        if state is not S.AVAILABLE:
            with pytest.raises(TransitionRefused):
                next_state(state, E.RING)


def test_every_state_is_reachable_and_can_be_left():
    targets = {target for _allowed, target in TRANSITIONS.values()}
    assert targets == set(S)
    assert all(events_from(state) for state in S)
    assert events_from(S.ON_CALL, manual_only=True) == []
