"""An answered call whose media node vanishes mid-conversation is ended by the telephony's
heartbeat (``nodewatch``): its node silent past ``MEDIA_NODE_LOST_SECONDS`` while another
node was heard, or alive but no longer listing it for ``MEDIA_NODE_MISSING_SECONDS``. The
agent goes to wrap-up with the reason on their timeline, the call counts once, and the
node's late word changes nothing. The server's clock is fixed (``clock``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from vmeste.contactcenter import nodewatch, ringwatch, telephony
from vmeste.contactcenter.callfigures import count_calls
from vmeste.contactcenter.models import (
    Agent,
    AgentStateChange,
    Call,
    MediaNode,
    Queue,
    TelephonyEvent,
)
from vmeste.contactcenter.tests import clock
from vmeste.contactcenter.tests.test_ringwatch import (
    BEAT,
    T0,
    agent,
    at_once,
    free,
    offer,
    post,
    two_agents,
)
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre, Line

N1, N2 = "10.0.0.1:5070", "10.0.0.2:5070"
GONE = "узел медиаприложения не отвечает"
DROPPED = "узел медиаприложения больше не ведёт звонок"


@pytest.fixture
def world(db, make_user, api_as, settings, server_clock):
    settings.MEDIA_NODE_LOST_SECONDS = 30
    settings.MEDIA_NODE_MISSING_SECONDS = 10
    return two_agents(make_user, api_as)


def beat(phone, at, node="", calls=()):
    clock.SERVER.follow(at)
    body = {"node": node, "calls": list(calls)} if node else {}
    answer = phone.post(BEAT, body)
    assert answer.status_code == 200, answer.content
    return answer.json()


def answered(phone, call, name, at, node=N1):
    """``call`` offered, rung to agent ``name`` and answered through ``node``."""
    free(name, at - timedelta(minutes=1))
    offer(phone, call, at)
    post(phone, f"{call}-a", "call_answered", call, at + timedelta(seconds=5), agent=name,
         node=node)  # fmt: skip
    assert state(call) == ("answered", name)


def talking(phone):
    """c1 answered by agent «a» through N1, whose heartbeat then lists it."""
    answered(phone, "c1", "a", T0)
    beat(phone, T0 + timedelta(seconds=6), N1, ["c1"])


def state(call_id):
    call = Call.objects.select_related("agent__user").get(call_id=call_id)
    return call.state, call.agent.user.username if call.agent_id else None


def ended_by_watch():
    return TelephonyEvent.objects.filter(event_id__startswith=nodewatch.EVENT_PREFIX).count()


def hang_ups(name):
    rows = AgentStateChange.objects.filter(agent__user__username=name, kind="hang_up")
    return [(r.to_status, r.text) for r in rows.order_by("pk")]


def every(start, until, step=5):
    """The moments from ``start`` to ``until`` (included), ``step`` seconds apart."""
    at = start
    while at <= until:
        yield at
        at += timedelta(seconds=step)


def test_the_call_records_its_node(world):
    answered(world, "c1", "a", T0)
    assert Call.objects.get(call_id="c1").media_node == N1


def test_a_node_silent_past_the_grace_has_its_call_ended_once(world):
    phone = world
    talking(phone)  # N1's last word
    # Another node goes on beating: Vmeste hears; N1 says nothing more.
    for at in every(T0, T0 + timedelta(seconds=35), 5):
        beat(phone, at, N2, [])
    assert state("c1") == ("answered", "a")  # 29 s of silence: within the grace
    late = T0 + timedelta(seconds=37)
    beat(phone, late, N2, [])
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.ended_at, call.talk_seconds) == ("ended", late, 32.0)
    a = agent("a")
    assert (a.state, a.call_id, a.wrap_up_until) == ("wrap_up", None, late + timedelta(seconds=30))
    assert hang_ups("a") == [("wrap_up", GONE)]
    event = TelephonyEvent.objects.get(event_id__startswith=nodewatch.EVENT_PREFIX)
    assert (event.type, event.data) == ("call_ended", {"reason": GONE, "lost": N1})
    # Further heartbeats change nothing; the call counts once, answered.
    beat(phone, late + timedelta(seconds=5), N2, [])
    assert ended_by_watch() == 1 and hang_ups("a") == [("wrap_up", GONE)]
    figures = count_calls(Call.objects.all())
    assert (figures["offered"], figures["answered"], figures["abandoned"]) == (1, 1, 0)
    assert Contact.objects.filter(call_id="c1").count() == 1
    assert not MediaNode.objects.filter(name=N1).exists()  # forgotten once its calls ended


def test_nobody_heard_means_vmeste_was_away_not_the_node(world):
    phone = world
    talking(phone)
    beat(phone, T0 + timedelta(seconds=6), N2, [])
    # No heartbeat reached Vmeste for a minute (Vmeste down); N2's arrives first after.
    back = T0 + timedelta(seconds=70)
    beat(phone, back, N2, [])
    assert state("c1") == ("answered", "a")
    beat(phone, back + timedelta(seconds=2), N1, ["c1"])  # N1 was there all along
    for at in every(back, back + timedelta(seconds=60), 5):
        beat(phone, at, N2, [])
        beat(phone, at, N1, ["c1"])
    assert state("c1") == ("answered", "a") and ended_by_watch() == 0


def test_a_live_node_that_no_longer_lists_the_call_has_it_ended(world):
    phone = world
    talking(phone)
    restarted_and_forgot(phone, still=("answered", "a"))
    assert state("c1") == ("ended", "a")
    assert agent("a").state == "wrap_up" and hang_ups("a") == [("wrap_up", DROPPED)]
    assert ended_by_watch() == 1


def restarted_and_forgot(phone, *, still):
    """N1's process restarted at T0 + 20 s and holds nothing: c1, missing from its
    heartbeats every second, is ``still`` (its state and agent) for 9 s, the limit being
    10; the tenth second's heartbeat ends it. Answers that moment."""
    restarted = T0 + timedelta(seconds=20)
    for at in every(restarted, restarted + timedelta(seconds=9), 1):
        beat(phone, at, N1, [])
    assert state("c1") == still  # missing 9 s: within the limit
    beat(phone, restarted + timedelta(seconds=10), N1, [])
    return restarted + timedelta(seconds=10)


def test_a_call_the_node_lists_is_left_alone(world):
    phone = world
    answered(phone, "c1", "a", T0)
    for at in every(T0 + timedelta(seconds=6), T0 + timedelta(minutes=10), 5):
        beat(phone, at, N1, ["c1", "c9"])
    assert state("c1") == ("answered", "a") and agent("a").state == "on_call"
    assert ended_by_watch() == 0
    assert MediaNode.objects.get(name=N1).missing == {}


def test_a_call_answered_just_now_and_not_yet_listed_is_left_alone(world):
    phone = world
    answered(phone, "c1", "a", T0)
    just = T0 + timedelta(seconds=5)  # the answer's moment
    # The node made this list a moment before it put the caller through.
    beat(phone, just + timedelta(milliseconds=300), N1, [])
    assert set(MediaNode.objects.get(name=N1).missing) == {"c1"}
    for at in every(just + timedelta(seconds=1), just + timedelta(minutes=2), 5):
        beat(phone, at, N1, ["c1"])
    assert state("c1") == ("answered", "a") and ended_by_watch() == 0
    assert MediaNode.objects.get(name=N1).missing == {}


def test_a_node_without_a_name_is_not_watched(world):
    phone = world
    answered(phone, "c1", "a", T0, node="")
    for at in every(T0, T0 + timedelta(minutes=2), 5):
        beat(phone, at)  # an older node: no name, no list
        beat(phone, at, N2, [])
    assert state("c1") == ("answered", "a") and ended_by_watch() == 0


def _lost_and_back(phone):
    """c1 ended by the watch (its node restarted and lost it); agent «a» then takes c2.
    Answers the moment c1 was ended."""
    talking(phone)
    beat(phone, T0 + timedelta(seconds=20), N1, [])
    ended = T0 + timedelta(seconds=30)
    beat(phone, ended, N1, [])
    assert state("c1") == ("ended", "a")
    # The wrap-up over, «a» takes the next call through the other node.
    post(phone, "a-ready", "agent_state", "", ended + timedelta(seconds=31), agent="a",
         event="wrap_done")  # fmt: skip
    offer(phone, "c2", ended + timedelta(seconds=40))
    post(phone, "c2-a", "call_answered", "c2", ended + timedelta(seconds=45), agent="a",
         node=N2)  # fmt: skip
    assert agent("a").state == "on_call"
    return ended


@pytest.mark.parametrize("late", [-5, 120])
def test_the_nodes_late_call_ended_changes_nothing(world, late):
    phone = world
    ended = _lost_and_back(phone)
    before = Call.objects.get(call_id="c1")
    contact = Contact.objects.get(call_id="c1")
    # The node comes back and says the caller hung up (before or after Vmeste's end).
    answer = post(phone, "c1-end", "call_ended", "c1", ended + timedelta(seconds=late))
    assert answer["duplicate"] is False
    after = Call.objects.get(call_id="c1")
    fields = ("state", "ended_at", "talk_seconds", "disposition", "agent_id", "answered_at")
    assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
    assert after.ended_at == ended
    again = Contact.objects.get(call_id="c1")
    assert (again.ended_at, again.talk_seconds) == (contact.ended_at, contact.talk_seconds)
    a = agent("a")  # still on the next call, which is theirs
    assert (a.state, a.call.call_id) == ("on_call", "c2")
    assert [k for k in AgentStateChange.objects.filter(agent=a).values_list("kind", flat=True)
            ].count("hang_up") == 1  # fmt: skip
    figures = count_calls(Call.objects.all())
    assert (figures["offered"], figures["answered"]) == (2, 2)


def test_a_call_found_lost_by_two_heartbeats_at_once_is_ended_once(world):
    phone = world
    talking(phone)
    found_twice_ended_once(phone, heard_last=T0 + timedelta(seconds=6))
    assert hang_ups("a") == [("wrap_up", GONE)]
    assert count_calls(Call.objects.all())["answered"] == 1


def found_twice_ended_once(phone, *, heard_last):
    """N2 beats from T0 while N1, heard last at ``heard_last``, is within the grace; then
    two heartbeats both find N1's c1 lost before either ends it: ended once, the second
    end a copy."""
    for at in every(T0, heard_last + timedelta(seconds=29), 5):
        beat(phone, at, N2, [])
    late = heard_last + timedelta(seconds=32)
    clock.SERVER.follow(late)
    first, second = nodewatch.lost(now=late), nodewatch.lost(now=late)
    assert first == second == [nodewatch.Lost("c1", N1, GONE)]
    assert [nodewatch.end(f, now=late)["duplicate"] for f in first + second] == [False, True]
    assert ended_by_watch() == 1


@pytest.mark.django_db(transaction=True)
def test_two_heartbeats_at_once_on_postgresql_end_it_once(make_user, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections at once")
    settings.MEDIA_NODE_LOST_SECONDS = 30
    since = T0 - timedelta(minutes=5)
    answered_long_ago(make_user, since)
    MediaNode.objects.create(name=N1, seen_at=T0 - timedelta(minutes=1), beating_since=since)
    MediaNode.objects.create(name=N2, seen_at=T0, beating_since=since)
    answers = at_once(lambda: ringwatch.heartbeat(now=T0))
    assert len(answers) == 2
    assert ended_by_watch() == 1
    assert Call.objects.get(call_id="c1").state == "ended"
    assert hang_ups("a") == [("wrap_up", GONE)]  # once


def answered_long_ago(make_user, since):
    """c1 answered by «a» through N1 at ``since``, set up without the API (a thread or the
    worker's own connection needs committed rows)."""
    line = Line.objects.get(code="we-are-together")
    Queue.objects.create(line=line, code="food", name="Продукты", skill="general", ivr_path="1")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    Agent.objects.create(user=make_user("a"), centre=centre, skills={"general": 1},
                         state="available", state_since=since)  # fmt: skip
    told = {"line": "we-are-together", "ivr_path": "1", "centre": "nat"}
    for n, kind, data in [("o", "call_offered", told), ("a", "call_answered", {"agent": "a",
                          "node": N1})]:  # fmt: skip
        telephony.record_event(event_id=f"c1-{n}", type=kind, call_id="c1", at=since,
                               data=data, now=since)  # fmt: skip
    assert state("c1") == ("answered", "a")
