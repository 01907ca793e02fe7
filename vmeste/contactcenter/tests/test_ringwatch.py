"""A ring given to an agent that no media node ever reports on (the node gone, its ledger
lost, the answer lost on the wire) is taken back by the telephony's heartbeat after
``CALLBACK_PLACE_SECONDS`` (a callback's caller being dialled: ``CALLBACK_DIAL_SECONDS``):
the call back in its place, the agent free, the step on the record once. The server's
clock is fixed (``clock``): the heartbeat runs at the moment the test sets."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections

from vmeste.contactcenter import ringwatch
from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import Agent, AgentStateChange, Call, Queue, TelephonyEvent
from vmeste.contactcenter.tests import clock
from vmeste.core.models import Centre, Line

URL = "/api/v1/telephony/events"
BEAT = "/api/v1/telephony/dispatch"
T0 = clock.START + timedelta(hours=10)  # 13:00 in Moscow: within the callback hours


@pytest.fixture
def world(db, make_user, api_as, settings, server_clock):
    settings.CALLBACK_HOURS = "09:00-21:00"
    settings.CALLBACK_PLACE_SECONDS = 60
    settings.CALLBACK_DIAL_SECONDS = 180
    settings.CALLBACK_RETRY_SECONDS = 600
    settings.CALLBACK_ATTEMPTS = 3
    return two_agents(make_user, api_as)


def two_agents(make_user, api_as):
    """The line's queue «food», agents «a» and «b» (not ready yet); the telephony's client."""
    line = Line.objects.get(code="we-are-together")
    Queue.objects.create(line=line, code="food", name="Продукты", skill="general", ivr_path="1")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    for name in ("a", "b"):
        Agent.objects.create(user=make_user(name), centre=centre, skills={"general": 1},
                             state="not_ready", state_since=T0 - timedelta(hours=1))  # fmt: skip
    return api_as("telephony")


def post(phone, n, kind, call, at, **fields):
    clock.SERVER.follow(at)
    payload = {"event_id": n, "type": kind, "call_id": call, "at": at.isoformat(), **fields}
    answer = phone.post(URL, payload)
    assert answer.status_code == 200, answer.content
    return answer.json()


def offer(phone, call, at, **fields):
    post(phone, f"{call}-o", "call_offered", call, at, line="we-are-together", ivr_path="1",
         centre="nat", caller_number="+79001234567", **fields)  # fmt: skip


def wants_callback(phone, call, at):
    offer(phone, call, at)
    post(phone, f"{call}-cb", "callback_requested", call, at + timedelta(seconds=30))
    post(phone, f"{call}-hu", "call_ended", call, at + timedelta(seconds=31))


def given_to_a(phone):
    """A caller who took the callback offer (c1), given to agent «a»: the moment of it."""
    wants_callback(phone, "c1", T0)
    free("a", T0 + timedelta(seconds=40))
    given = T0 + timedelta(seconds=50)
    assert [(r.call_id, r.agent, r.callback) for r in dispatch(now=given).rung] == [
        ("c1", "a", True)
    ]
    return given


def free(name, at):
    Agent.objects.filter(user__username=name).update(state="available", state_since=at)


def beat(phone, at):
    clock.SERVER.follow(at)
    answer = phone.post(BEAT)
    assert answer.status_code == 200, answer.content
    return [(r["call_id"], r["agent"], r["callback"]) for r in answer.json()["rung"]]


def state(call_id):
    call = Call.objects.select_related("agent__user").get(call_id=call_id)
    return call.state, call.agent.user.username if call.agent_id else None


def agent(name):
    return Agent.objects.get(user__username=name)


def taken_back(name):
    """The agent's timeline rows that say a node never reported their ring."""
    rows = AgentStateChange.objects.filter(agent__user__username=name, text__contains="сообщил")
    return [(r.from_status, r.to_status) for r in rows]


def test_a_callback_no_node_places_is_taken_back_and_given_again(world):
    phone = world
    given = given_to_a(phone)
    # The node it was given to never says a word. Within the limit the heartbeat waits.
    assert beat(phone, given + timedelta(seconds=59)) == []
    assert state("c1") == ("ringing", "a") and agent("a").state == "ringing"
    # Past it: back in its place, the agent free (not "not ready": the ring was never
    # theirs to answer), and given again in the heartbeat's answer — to the node that
    # asked, which places it.
    late = given + timedelta(seconds=61)
    assert beat(phone, late) == [("c1", "a", True)]
    assert taken_back("a") == [("ringing", "available")]
    assert state("c1") == ("ringing", "a")
    assert agent("a").state_since == late  # a new ring, from now
    call = Call.objects.get(call_id="c1")
    assert (call.callback_attempts, call.callback_failures, call.ended_at) == (0, 0, None)
    assert TelephonyEvent.objects.filter(event_id__startswith="stranded:").count() == 1
    # This time a node places it: the dialling is reported in time, nothing is taken back.
    post(phone, "c1-d", "callback_dialing", "c1", late + timedelta(seconds=5), agent="a")
    assert beat(phone, late + timedelta(seconds=120)) == []
    assert state("c1") == ("dialing", "a") and agent("a").state == "on_call"


def test_the_next_free_agent_gets_the_callback_taken_back(world):
    phone = world
    given = given_to_a(phone)
    free("b", given + timedelta(seconds=1))  # b idle since before a is freed: b first
    assert beat(phone, given + timedelta(seconds=61)) == [("c1", "b", True)]
    assert agent("a").state == "available" and state("c1") == ("ringing", "b")


def test_a_callback_dialling_in_time_is_left_alone_then_failed_after_the_longer_limit(world):
    phone = world
    given_to_a(phone)
    dialled = T0 + timedelta(seconds=60)
    post(phone, "c1-d", "callback_dialing", "c1", dialled, agent="a")
    assert beat(phone, dialled + timedelta(seconds=179)) == []
    assert state("c1") == ("dialing", "a")
    # The node vanished with the caller's phone ringing: a failed attempt, retried later.
    assert beat(phone, dialled + timedelta(seconds=181)) == []
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.agent_id, call.callback_attempts, call.callback_failures) == (
        "waiting", None, 1, 1,
    )  # fmt: skip
    assert agent("a").state == "wrap_up"
    # After the retry interval it is given again, in its place.
    free("a", dialled + timedelta(seconds=200))
    assert beat(phone, dialled + timedelta(seconds=181 + 601)) == [("c1", "a", True)]


def test_a_callers_ring_nobody_reports_goes_back_once_then_the_call_ends(world):
    phone = world
    free("a", T0 - timedelta(minutes=1))
    offer(phone, "c2", T0)  # rung at once: the answer to this event is lost on the wire
    assert state("c2") == ("ringing", "a")
    free("b", T0 + timedelta(seconds=1))
    assert beat(phone, T0 + timedelta(seconds=61)) == [("c2", "b", False)]
    assert agent("a").state == "available" and taken_back("a") == [("ringing", "available")]
    # Unreported again: the node holding the caller is gone, and the caller's line with
    # it: the call ends unanswered rather than take an agent a minute at a time forever.
    assert beat(phone, T0 + timedelta(seconds=123)) == []
    call = Call.objects.get(call_id="c2")
    assert (call.state, call.answered_at) == ("abandoned", None)
    b = agent("b")
    assert (b.state, b.call_id) == ("available", None)


def test_a_ring_found_by_two_processes_at_once_is_taken_back_once(world):
    phone = world
    given_to_a(phone)
    late = T0 + timedelta(seconds=111)
    clock.SERVER.follow(late)
    # Both found it before either put it back; the first gives it straight back to «a».
    first, second = ringwatch.unreported(late), ringwatch.unreported(late)
    assert [c.call_id for c in first] == [c.call_id for c in second] == ["c1"]
    answer = ringwatch.put_back(first[0], reason="test", at=late)
    assert [r["agent"] for r in answer["rung"]] == ["a"]
    again = ringwatch.put_back(second[0], reason="test", at=late)
    assert again["duplicate"] is True
    # The second changed nothing: not the new ring, not the agent, one event on record.
    assert state("c1") == ("ringing", "a") and agent("a").state == "ringing"
    assert TelephonyEvent.objects.filter(event_id__startswith="stranded:").count() == 1
    rows = AgentStateChange.objects.filter(agent__user__username="a").order_by("pk")
    assert [r.kind for r in rows][-2:] == ["caller_gone", "ring"]


def at_once(work, n: int = 2) -> list:
    """``work`` run by ``n`` threads at once (each with its own database connection), as
    ``n`` server processes would: what each answered (within 30 s)."""
    start, answers = threading.Barrier(n), []

    def run():
        try:
            start.wait()
            answers.append(work())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


@pytest.mark.django_db(transaction=True)
def test_two_heartbeats_at_once_on_postgresql_take_it_back_once(make_user, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections at once")
    settings.CALLBACK_PLACE_SECONDS = 60
    settings.CALLBACK_HOURS = "00:00-00:00"
    line = Line.objects.get(code="we-are-together")
    Queue.objects.create(line=line, code="food", name="Продукты", skill="general", ivr_path="1")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    given = T0 - timedelta(minutes=5)
    a = Agent.objects.create(user=make_user("a"), centre=centre, skills={"general": 1},
                             state="ringing", state_since=given)  # fmt: skip
    call = Call.objects.create(call_id="c1", line=line, queue=Queue.objects.get(code="food"),
                               centre=centre, agent=a, state="ringing", offered_at=given,
                               callback_requested=True)  # fmt: skip
    Agent.objects.filter(pk=a.pk).update(call=call)
    answers = at_once(lambda: ringwatch.heartbeat(now=T0))
    assert len(answers) == 2
    assert TelephonyEvent.objects.filter(event_id__startswith="stranded:").count() == 1
    assert sum(len(d.rung) for d in answers) == 1  # given again once, to one node
    assert state("c1") == ("ringing", "a")
    kinds = list(AgentStateChange.objects.filter(agent=a).values_list("kind", flat=True))
    assert kinds == ["caller_gone", "ring"]
