"""Whatever a caller (or the wire) does at the event level — hanging up in any state,
events repeated, late or out of order, transfers and callbacks mixed in — the call's row
is the fold of its stored events, no agent keeps an ended call, and the call is counted
once (one Contact). Random sequences through the API, with the real dispatch after each."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vmeste.contactcenter import calllog
from vmeste.contactcenter.models import Agent, Call, Queue, TelephonyEvent
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre, Line

URL = "/api/v1/telephony/events"
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
RUN = itertools.count()

# (type, second, fields): {a}/{b} are this example's agents.
MOVES = [
    ("call_offered", 0, {"line": "we-are-together", "ivr_path": "1", "centre": "nat",
                         "caller_number": "+79001234567"}),
    ("callback_requested", 4, {}),
    ("agent_state", 6, {"agent": "{a}", "event": "no_answer"}),
    ("call_answered", 8, {"agent": "{a}"}),
    ("callback_dialing", 9, {"agent": "{a}"}),
    ("callback_failed", 11, {}),
    ("call_transferred", 20, {"to_queue": "psy"}),
    ("call_transferred", 21, {"to_agent": "{b}"}),
    ("call_transferred", 22, {"to_number": "+74950000000"}),
    ("call_answered", 30, {"agent": "{b}"}),
    ("call_ended", 40, {}),
    ("call_ended", 3, {}),  # hung up early, in the menu or the queue
]  # fmt: skip


@pytest.fixture
def world(db):
    line = Line.objects.get(code="we-are-together")
    Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    for code, path in (("food", "1"), ("psy", "3")):
        Queue.objects.create(line=line, code=code, name=code, skill="general", ivr_path=path)


def _post(phone, run, n, move, shift):
    kind, second, fields = MOVES[move]
    names = {"a": f"a{run}", "b": f"b{run}"}
    data = {k: v.format(**names) if isinstance(v, str) else v for k, v in fields.items()}
    at = (T0 + timedelta(seconds=second + shift)).isoformat()
    payload = {"event_id": f"r{run}-{n}", "type": kind, "at": at, **data}
    if kind != "agent_state":
        payload["call_id"] = f"call{run}"
    response = phone.post(URL, payload)
    assert response.status_code == 200, response.content


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    moves=st.lists(
        st.tuples(st.integers(0, len(MOVES) - 1), st.integers(0, 2), st.booleans()),
        min_size=1,
        max_size=9,
    )
)
# The paths that matter most, always tried: a transfer back to a queue, then the caller
# hangs up; a callback that fails, then a hang-up; a transfer out with a late answer after.
@example(moves=[(0, 0, False), (3, 0, False), (6, 0, True), (10, 0, False)])
@example(moves=[(0, 0, False), (1, 0, False), (11, 2, False), (4, 0, False), (5, 0, True),
                (10, 0, False)])  # fmt: skip
@example(moves=[(0, 0, False), (3, 0, False), (8, 0, False), (9, 0, False), (10, 0, True)])
@example(moves=[(6, 0, False), (11, 0, False)])  # a transfer of a call that had ended before
@pytest.mark.django_db
def test_any_sequence_leaves_the_call_consistent_and_counted_once(world, api_as, make_user, moves):
    run = next(RUN)
    phone = api_as("telephony")
    centre = Centre.objects.get(code="nat")
    for name in (f"a{run}", f"b{run}"):
        Agent.objects.create(user=make_user(name), centre=centre, skills={"general": 1},
                             state="available", state_since=T0 - timedelta(hours=1))  # fmt: skip
    for n, (move, shift, repeat) in enumerate(moves):
        _post(phone, run, n, move, shift)
        if repeat:  # the same event again (a retry): it changes nothing
            _post(phone, run, n, move, shift)
    call = Call.objects.filter(call_id=f"call{run}").first()
    if call is None:
        return  # only agent events
    stored = TelephonyEvent.objects.filter(call_id=call.call_id)
    summary = calllog.fold(
        [calllog.CallEvent(e.type, e.at, e.pk, e.data) for e in stored.order_by("pk")]
    )
    expected = {"waiting": ("waiting", "ringing")}.get(summary.state, (summary.state,))
    assert call.state in expected
    assert (call.offered_at, call.answered_at, call.ended_at) == (
        summary.offered_at, summary.answered_at, summary.ended_at
    )  # fmt: skip
    assert Contact.objects.filter(call_id=call.call_id).count() == (1 if call.line_id else 0), moves
    for agent in Agent.objects.filter(user__username__in=[f"a{run}", f"b{run}"]):
        if agent.call_id == call.pk:
            assert call.state not in ("ended", "abandoned"), (agent, agent.state)
        if call.state == "ringing" and call.agent_id == agent.pk:
            assert agent.state == "ringing" and agent.call_id == call.pk
