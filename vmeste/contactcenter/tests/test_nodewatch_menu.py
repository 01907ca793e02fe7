"""Callers still in the voice menu of a media node that died: unknown to Vmeste until they
reach a queue, so each heartbeat lists them (``menu``: what their end would tell), and the
node found gone ends those of its last beat as it would have: hung up in the menu, or
served there when a message was under way, counted once, their time in the menu counted to
the node's last beat. A caller who reached a queue since, or whose end the node told, is
left to the rules that already cover them. The server's clock is fixed (``clock``)."""

from __future__ import annotations

from datetime import timedelta

from vmeste.contactcenter.callfigures import count_calls
from vmeste.contactcenter.calllog import within_limits
from vmeste.contactcenter.models import Call, MediaNode, TelephonyEvent
from vmeste.contactcenter.tests import clock
from vmeste.contactcenter.tests.test_nodesweep import LIMIT, SWEPT_SINCE, sweep, sweeps
from vmeste.contactcenter.tests.test_nodesweep import world as _sweep_world
from vmeste.contactcenter.tests.test_nodewatch import GONE, N1, N2, ended_by_watch, every
from vmeste.contactcenter.tests.test_ringwatch import BEAT, T0, offer, post
from vmeste.contacts.models import Contact

world = _sweep_world  # the node watch's limits (30 s silent, 300 s every node gone)


def caller(call_id, seconds, *, served=False, ivr_path=""):
    """A menu caller as the node tells it: ``seconds`` in the menu so far."""
    return {"call_id": call_id, "line": "we-are-together", "centre": "nat",
            "caller_number": "+79001230000", "ivr_path": ivr_path, "menu_seconds": seconds,
            "served": served}  # fmt: skip


def beat(phone, at, node, menu=(), calls=()):
    clock.SERVER.follow(at)
    body = {"node": node, "calls": list(calls), "menu": list(menu)}
    answer = phone.post(BEAT, body)
    assert answer.status_code == 200, answer.content
    return answer.json()


def n1_dies_with_callers_in_its_menu(phone):
    """N1's beats at T0 and T0 + 5 s list m1 (in the menu since T0 − 12 s) and m2 (a
    message under way since T0 + 2 s), then N1 falls silent while N2 beats on."""
    beat(phone, T0, N1, [caller("m1", 12)])
    beat(phone, T0 + timedelta(seconds=5), N1, [caller("m1", 17), caller("m2", 3, served=True,
                                                                        ivr_path="4")])  # fmt: skip


def menu_figures():
    counts = count_calls(Call.objects.all())
    return counts["offered"], counts["abandoned_in_menu"], counts["served_in_menu"]


def test_the_menu_callers_of_a_silent_node_are_ended_once_as_it_would_have(world):
    phone = world
    n1_dies_with_callers_in_its_menu(phone)
    for at in every(T0 + timedelta(seconds=5), T0 + timedelta(seconds=30), 5):
        beat(phone, at, N2)
    assert not Call.objects.exists()  # 25 s of silence: within the grace
    late = T0 + timedelta(seconds=40)
    beat(phone, late, N2)
    m1, m2 = Call.objects.order_by("call_id")
    assert (m1.state, m1.disposition, m1.line.code, m1.caller_number) == (
        "abandoned", "abandoned_in_menu", "we-are-together", "+79001230000",
    )  # fmt: skip
    assert (m2.state, m2.disposition, m2.ivr_path) == ("ended", "served_in_menu", "4")
    # In the menu until N1's last beat: m1 from T0 − 12 s, m2 from T0 + 2 s.
    assert (m1.menu_seconds, m2.menu_seconds) == (17.0, 3.0)
    assert (m1.ended_at, m1.queue_id, m1.agent_id) == (late, None, None)
    event = TelephonyEvent.objects.get(call_id="m1")
    assert (event.type, event.data["reason"], event.data["lost"]) == ("call_ended", GONE, N1)
    assert menu_figures() == (0, 1, 1)  # not offered to any queue: counted apart, once each
    assert Contact.objects.filter(call_id__in=["m1", "m2"]).count() == 2
    # Later heartbeats change nothing, and N1's row goes once its callers are ended.
    beat(phone, late + timedelta(seconds=5), N2)
    assert ended_by_watch() == 2 and menu_figures() == (0, 1, 1)
    assert not MediaNode.objects.filter(name=N1).exists()


def test_a_caller_who_left_the_menu_is_left_to_what_became_of_them(world):
    """m1 reached its queue (an offer after N1's last beat), m2 hung up in the menu and
    N1 told it, m3 left the menu between two beats: only what a beat still listed and
    Vmeste has no call of is ended by the watch, and nothing twice."""
    phone = world
    beat(phone, T0, N1, [caller("m1", 5), caller("m2", 5), caller("m3", 5)])
    beat(phone, T0 + timedelta(seconds=5), N1, [caller("m1", 10), caller("m2", 10)])
    offer(phone, "m1", T0 + timedelta(seconds=6), node=N1)  # waits: nobody ready
    post(phone, "m2-e", "call_ended", "m2", T0 + timedelta(seconds=7), line="we-are-together",
         disposition="abandoned_in_menu", menu_seconds=12)  # fmt: skip
    for at in every(T0 + timedelta(seconds=10), T0 + timedelta(seconds=40), 5):
        beat(phone, at, N2)
    states = dict(Call.objects.values_list("call_id", "state"))
    assert states == {"m1": "abandoned", "m2": "abandoned"}  # m1 as a waiting call of N1
    assert Call.objects.get(call_id="m1").queue.code == "food"  # ended where it waited
    assert Call.objects.get(call_id="m2").menu_seconds == 12  # the node's own word kept
    assert ended_by_watch() == 1  # m1 once; nothing for m2, nothing ever known of m3
    assert menu_figures() == (1, 1, 0)


def test_every_node_gone_ends_their_menu_callers_too(world):
    """No node beats at all: the worker's sweep ends the last beat's menu callers once
    the nodes were silent for the long limit while it swept."""
    phone = world
    sweeps(SWEPT_SINCE, T0)
    beat(phone, T0, N1, [caller("m1", 8)])
    sweeps(T0 + timedelta(seconds=30), T0 + timedelta(seconds=LIMIT - 30))
    assert not Call.objects.exists()
    sweep(T0 + timedelta(seconds=LIMIT + 30))
    m1 = Call.objects.get(call_id="m1")
    assert (m1.state, m1.disposition, m1.menu_seconds) == ("abandoned", "abandoned_in_menu", 8)


def test_a_heartbeat_with_a_malformed_menu_caller_is_refused_and_changes_nothing(world):
    phone = world
    clock.SERVER.follow(T0)
    for wrong in ({"line": "we-are-together"}, {**caller("m1", 5), "menu_seconds": -1},
                  {**caller("m1", 5), "caller_number": "9" * 40}):  # fmt: skip
        answer = phone.post(BEAT, {"node": N1, "calls": [], "menu": [wrong]})
        assert answer.status_code == 422, answer.content
    assert not MediaNode.objects.exists()


def test_what_a_node_tells_is_cut_to_the_limits_so_one_odd_caller_never_costs_its_heartbeat(
    world,
):
    """A heartbeat refused would leave every call of the node unheard (and ended as
    lost): the node cuts what it tells to the API's limits (``within_limits``)."""
    phone = world
    odd = {**caller("m1", 5), "caller_number": "sip-user-" + "x" * 40, "ivr_path": "1-" * 30}
    told = within_limits(odd)
    assert (len(told["caller_number"]), len(told["ivr_path"])) == (32, 40)
    beat(phone, T0, N1, [told])  # accepted
    assert MediaNode.objects.get(name=N1).in_menu["m1"]["caller_number"] == told["caller_number"]
