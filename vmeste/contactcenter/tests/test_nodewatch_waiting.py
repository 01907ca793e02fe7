"""A caller still waiting (offered, not yet answered) on a media node that vanished is ended
by the same watch as an answered call (``nodewatch``): the node named in the offer silent
past ``MEDIA_NODE_LOST_SECONDS`` while another was heard, no longer listing the call for
``MEDIA_NODE_MISSING_SECONDS``, or every node gone past ``MEDIA_NODE_ALL_GONE_SECONDS``
(the worker's sweep). The call ends once, abandoned; an agent rung for it is free again;
the node's late word changes nothing. The server's clock is fixed (``clock``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vmeste.contactcenter import nodewatch
from vmeste.contactcenter.callfigures import count_calls
from vmeste.contactcenter.models import AgentStateChange, Call, MediaNode, TelephonyEvent
from vmeste.contactcenter.tests.test_nodesweep import LIMIT, SWEPT_SINCE, sweep, sweeps
from vmeste.contactcenter.tests.test_nodesweep import world as _sweep_world
from vmeste.contactcenter.tests.test_nodewatch import (
    DROPPED,
    GONE,
    N1,
    N2,
    beat,
    ended_by_watch,
    every,
    found_twice_ended_once,
    restarted_and_forgot,
    state,
)
from vmeste.contactcenter.tests.test_ringwatch import (
    T0,
    agent,
    free,
    offer,
    post,
    taken_back,
)
from vmeste.contacts.models import Contact

world = _sweep_world  # the node watch's limits, the worker's long one, «a» and «b» not ready


def waiting(phone, call="c1", at=T0, node=N1):
    """``call`` offered through ``node`` (nobody free: it waits), then listed by its node."""
    offer(phone, call, at, node=node)
    beat(phone, at + timedelta(seconds=1), node, [call])
    assert state(call) == ("waiting", None)


def figures():
    counts = count_calls(Call.objects.all())
    return counts["offered"], counts["answered"], counts["abandoned"]


def rings_stopped(name):
    """The agent's timeline rows of a ring that ended because the caller was gone."""
    rows = AgentStateChange.objects.filter(agent__user__username=name, kind="caller_gone")
    return [(r.from_status, r.to_status, r.text) for r in rows.order_by("pk")]


def test_the_offer_records_the_node_holding_the_caller(world):
    offer(world, "c1", T0, node=N1)
    assert Call.objects.get(call_id="c1").media_node == N1


def test_a_waiting_call_of_a_silent_node_is_ended_once_and_counted_abandoned(world):
    phone = world
    waiting(phone)  # N1's last word at T0 + 1 s
    for at in every(T0, T0 + timedelta(seconds=30), 5):
        beat(phone, at, N2, [])
    assert state("c1") == ("waiting", None)  # 29 s of silence: within the grace
    late = T0 + timedelta(seconds=35)
    beat(phone, late, N2, [])
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.ended_at, call.answered_at, call.wait_seconds) == (
        "abandoned", late, None, 35.0,
    )  # fmt: skip
    event = TelephonyEvent.objects.get(event_id__startswith=nodewatch.EVENT_PREFIX)
    told = {"reason": GONE, "lost": N1}
    assert (event.type, event.call_id, event.data) == ("call_ended", "c1", told)
    # Further heartbeats change nothing; a free agent is not given the ghost.
    free("a", late)
    assert beat(phone, late + timedelta(seconds=5), N2, [])["rung"] == []
    assert ended_by_watch() == 1 and agent("a").state == "available"
    assert figures() == (1, 0, 1)
    contact = Contact.objects.get(call_id="c1")
    assert (contact.ended_at, contact.operator_id) == (late, None)
    assert not MediaNode.objects.filter(name=N1).exists()  # forgotten once its calls ended


def test_a_waiting_call_missing_from_its_nodes_list_is_ended_after_the_limit(world):
    phone = world
    waiting(phone)
    ended = restarted_and_forgot(phone, still=("waiting", None))
    assert state("c1") == ("abandoned", None)
    assert TelephonyEvent.objects.get(call_id="c1", event_id__startswith=nodewatch.EVENT_PREFIX
                                      ).data == {"reason": DROPPED, "lost": N1}  # fmt: skip
    beat(phone, ended + timedelta(seconds=1), N1, [])
    assert ended_by_watch() == 1 and figures() == (1, 0, 1)


def test_a_call_just_offered_and_not_yet_listed_is_left_alone(world):
    phone = world
    # The node made this list a moment before it offered the caller; the next ones list it.
    beat(phone, T0, N1, [])
    offer(phone, "c1", T0 + timedelta(milliseconds=200), node=N1)
    beat(phone, T0 + timedelta(milliseconds=300), N1, [])
    assert set(MediaNode.objects.get(name=N1).missing) == {"c1"}
    for at in every(T0 + timedelta(seconds=1), T0 + timedelta(minutes=2), 1):
        beat(phone, at, N1, ["c1"])
    assert state("c1") == ("waiting", None) and ended_by_watch() == 0
    assert MediaNode.objects.get(name=N1).missing == {}


def test_a_caller_gone_for_a_callback_waits_off_the_line_and_is_left_alone(world):
    phone = world
    waiting(phone)
    post(phone, "c1-cb", "callback_requested", "c1", T0 + timedelta(seconds=30))
    post(phone, "c1-hu", "call_ended", "c1", T0 + timedelta(seconds=31))
    assert Call.objects.get(call_id="c1").media_node == ""  # no node holds them now
    for at in every(T0 + timedelta(seconds=32), T0 + timedelta(minutes=2), 5):
        beat(phone, at, N1, [])
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.callback_requested, ended_by_watch()) == ("waiting", True, 0)


def test_the_agent_rung_for_a_ghost_call_is_freed(world):
    phone = world
    waiting(phone)
    free("a", T0 + timedelta(seconds=2))
    rung = beat(phone, T0 + timedelta(seconds=3), N1, ["c1"])["rung"]  # N1's last word
    assert [(r["call_id"], r["agent"]) for r in rung] == [("c1", "a")]
    assert state("c1") == ("ringing", "a")
    for at in every(T0, T0 + timedelta(seconds=30), 5):
        beat(phone, at, N2, [])
    assert agent("a").state == "ringing"  # within the grace
    # N1 silent 30 s while N2 beats: the caller is gone with it, the agent free at once
    # (not "not ready": the ring was never theirs to answer), the reason on their timeline;
    # nothing given again, and no ring to take back later.
    late = T0 + timedelta(seconds=35)
    assert beat(phone, late, N2, [])["rung"] == []
    a = agent("a")
    assert (a.state, a.call_id, a.state_since) == ("available", None, late)
    assert rings_stopped("a") == [("ringing", "available", GONE)]
    assert state("c1") == ("abandoned", None) and figures() == (1, 0, 1)
    for at in every(late, late + timedelta(minutes=3), 5):
        beat(phone, at, N2, [])
    assert taken_back("a") == [] and rings_stopped("a") == [("ringing", "available", GONE)]


LATE_WORDS = [
    ("call_ended", {}),
    ("call_answered", {"agent": "a", "node": N1}),
    ("callback_requested", {}),
]


@pytest.mark.parametrize("late", [-5, 120])
@pytest.mark.parametrize(("kind", "fields"), LATE_WORDS)
def test_the_nodes_late_word_about_the_ended_call_changes_nothing(world, kind, fields, late):
    phone = world
    waiting(phone)
    free("a", T0 + timedelta(seconds=2))
    beat(phone, T0 + timedelta(seconds=3), N1, ["c1"])  # rung to «a»
    ended = restarted_and_forgot(phone, still=("ringing", "a"))
    fields_kept = ("state", "ended_at", "answered_at", "agent_id", "callback_requested",
                   "disposition", "media_node", "wait_seconds")  # fmt: skip
    before = Call.objects.values(*fields_kept).get(call_id="c1")
    assert before["state"] == "abandoned" and agent("a").state == "available"
    contact = Contact.objects.values().get(call_id="c1")
    # The node was cut off, not dead: it tells what happened (before or after Vmeste's end).
    answer = post(phone, "c1-late", kind, "c1", ended + timedelta(seconds=late), **fields)
    assert answer["duplicate"] is False
    assert Call.objects.values(*fields_kept).get(call_id="c1") == before
    assert Contact.objects.values().get(call_id="c1") == contact
    a = agent("a")
    assert (a.state, a.call_id) == ("available", None)
    assert AgentStateChange.objects.filter(agent=a).count() == 2  # rung, then freed
    assert figures() == (1, 0, 1)


def test_every_node_gone_ends_its_waiting_calls_past_the_long_limit(world):
    phone = world
    sweeps(SWEPT_SINCE, T0)
    waiting(phone)  # N1's last word at T0 + 1 s; nobody beats from then on
    sweeps(T0, T0 + timedelta(seconds=LIMIT))
    assert sweep(T0 + timedelta(seconds=LIMIT + 1)) == {"ended": 0, "taken_back": 0}
    assert state("c1") == ("waiting", None)  # heard last exactly the limit ago
    late = T0 + timedelta(seconds=LIMIT + 2)
    assert sweep(late) == {"ended": 1, "taken_back": 0}
    assert state("c1") == ("abandoned", None) and figures() == (1, 0, 1)
    assert sweep(late + timedelta(seconds=30)) == {"ended": 0, "taken_back": 0}
    assert ended_by_watch() == 1


def test_a_waiting_call_found_lost_by_two_heartbeats_at_once_is_ended_once(world):
    phone = world
    waiting(phone)
    found_twice_ended_once(phone, heard_last=T0 + timedelta(seconds=1))
    assert state("c1") == ("abandoned", None) and figures() == (1, 0, 1)
