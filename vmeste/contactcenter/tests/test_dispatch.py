"""Routing in the server: events in, the router's decisions saved, agents rung."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import Agent, AgentStateChange, Call, Queue
from vmeste.core.models import Centre, Line

URL = "/api/v1/telephony/events"


@pytest.fixture
def world(make_user):
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    Queue.objects.create(
        line=line,
        code="food",
        name="Продукты",
        skill="general",
        ivr_path="1",
        escalation=[[0, 1]],
        priority_rules={"critical": 300},
    )
    return {"line": line, "centre": centre, "make_user": make_user}


def add_agent(world, name, *, idle_since, state="available"):
    return Agent.objects.create(
        user=world["make_user"](name),
        centre=world["centre"],
        skills={"general": 1},
        state=state,
        state_since=idle_since,
    )


def event(n, kind, call, at, **fields):
    return {"event_id": n, "type": kind, "call_id": call, "at": at.isoformat(), **fields}


@pytest.mark.django_db
def test_a_call_rings_the_longest_idle_agent_and_follows_through(world, api_as):
    phone = api_as("telephony")
    now = timezone.now()
    add_agent(world, "fresh", idle_since=now - timedelta(seconds=10))
    add_agent(world, "idle", idle_since=now - timedelta(minutes=5))
    body = phone.post(
        URL,
        event("e1", "call_offered", "c1", now, line="we-are-together", ivr_path="1", centre="nat"),
    ).json()
    assert body["call"]["state"] == "ringing" and body["call"]["agent"] == "idle"
    assert Agent.objects.get(user__username="idle").state == "ringing"
    phone.post(URL, event("e2", "call_answered", "c1", now + timedelta(seconds=4), agent="idle"))
    assert Agent.objects.get(user__username="idle").state == "on_call"
    phone.post(URL, event("e3", "call_ended", "c1", now + timedelta(seconds=90)))
    idle = Agent.objects.get(user__username="idle")
    assert idle.state == "wrap_up" and idle.call is None
    assert Call.objects.get(call_id="c1").state == "ended"
    # each step on the timeline at its own moment: the wrap-up began when the call ended
    steps = [(c.kind, c.at) for c in idle.events.order_by("pk")]
    assert steps[-2:] == [("answer", now + timedelta(seconds=4)),
                          ("hang_up", now + timedelta(seconds=90))]  # fmt: skip
    assert idle.state_since == now + timedelta(seconds=90)


@pytest.mark.django_db
def test_best_scored_call_first_and_a_missed_call_goes_back(world, api_as):
    phone = api_as("telephony")
    now = timezone.now()
    for n, (call, flags) in enumerate([("early", []), ("critical", ["critical"])]):
        phone.post(
            URL,
            event(
                f"o{n}",
                "call_offered",
                call,
                now + timedelta(seconds=n),
                line="we-are-together",
                ivr_path="1",
                centre="nat",
                flags=flags,
            ),
        )
    assert set(Call.objects.values_list("state", flat=True)) == {"waiting"}
    add_agent(world, "a", idle_since=now, state="not_ready")
    phone.post(
        URL,
        {
            "event_id": "r1",
            "type": "agent_state",
            "agent": "a",
            "event": "ready",
            "at": (now + timedelta(seconds=5)).isoformat(),
        },
    )
    assert Call.objects.get(call_id="critical").state == "ringing"
    phone.post(
        URL,
        {
            "event_id": "r2",
            "type": "agent_state",
            "agent": "a",
            "event": "no_answer",
            "at": (now + timedelta(seconds=30)).isoformat(),
        },
    )
    assert Agent.objects.get().state == "not_ready"
    assert set(Call.objects.values_list("state", flat=True)) == {"waiting"}
    # a caller who hangs up while it rings frees the agent
    phone.post(
        URL,
        {
            "event_id": "r3",
            "type": "agent_state",
            "agent": "a",
            "event": "ready",
            "at": (now + timedelta(seconds=40)).isoformat(),
        },
    )
    phone.post(URL, event("x", "call_ended", "critical", now + timedelta(seconds=45)))
    assert Call.objects.get(call_id="critical").state == "abandoned"
    assert Agent.objects.get().state == "ringing"  # freed, then rung for "early"
    assert Call.objects.get(call_id="early").state == "ringing"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_never_double_assign(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    now = timezone.now()
    for i in range(30):
        add_agent(world, f"a{i}", idle_since=now - timedelta(seconds=i))
    for i in range(60):
        Call.objects.create(
            call_id=f"c{i}",
            line=world["line"],
            centre=world["centre"],
            queue=Queue.objects.get(),
            offered_at=now - timedelta(seconds=i),
        )
    errors = []

    def run():
        try:
            for _ in range(3):
                dispatch()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ringing = Call.objects.filter(state="ringing")
    assert ringing.count() == 30
    assert len(set(ringing.values_list("agent", flat=True))) == 30
    assert AgentStateChange.objects.filter(kind="ring").count() == 30


@pytest.mark.django_db
def test_transfer_hands_the_caller_over(world, api_as):
    phone = api_as("telephony")
    now = timezone.now()
    add_agent(world, "first", idle_since=now - timedelta(minutes=3))
    phone.post(
        URL,
        event("e1", "call_offered", "c1", now, line="we-are-together", ivr_path="1", centre="nat"),
    )
    phone.post(URL, event("e2", "call_answered", "c1", now + timedelta(seconds=3), agent="first"))
    add_agent(world, "expert", idle_since=now)
    body = phone.post(
        URL, event("e3", "call_transferred", "c1", now + timedelta(seconds=60), to_agent="expert")
    ).json()
    # the named agent is free: rung for the call at once, in this answer
    assert body["rung"] == [{"call_id": "c1", "agent": "expert", "callback": False}]
    assert body["call"]["agent"] == "expert" and body["call"]["state"] == "ringing"
    first, expert = (Agent.objects.get(user__username=n) for n in ("first", "expert"))
    assert first.state == "wrap_up" and first.call is None
    assert expert.state == "ringing" and expert.call.call_id == "c1"
    phone.post(URL, event("e4", "call_answered", "c1", now + timedelta(seconds=65), agent="expert"))
    expert.refresh_from_db()
    assert expert.state == "on_call" and expert.call.call_id == "c1"


@pytest.mark.django_db
def test_virtual_hold_keeps_the_place_and_we_call_back(world, api_as):
    phone = api_as("telephony")
    now = timezone.now()
    for n, call in enumerate(["first", "second"]):
        phone.post(
            URL,
            event(
                f"o{n}",
                "call_offered",
                call,
                now + timedelta(seconds=n),
                line="we-are-together",
                ivr_path="1",
                centre="nat",
            ),
        )
    phone.post(URL, event("cb", "callback_requested", "first", now + timedelta(seconds=30)))
    phone.post(URL, event("hu", "call_ended", "first", now + timedelta(seconds=31)))
    assert Call.objects.get(call_id="first").state == "waiting"  # hung up, still in line
    add_agent(world, "a", idle_since=now, state="not_ready")
    phone.post(
        URL,
        {
            "event_id": "r",
            "type": "agent_state",
            "agent": "a",
            "event": "ready",
            "at": (now + timedelta(seconds=40)).isoformat(),
        },
    )
    first = Call.objects.get(call_id="first")
    assert first.state == "ringing" and first.callback_requested
    body = phone.post(
        URL, event("an", "call_answered", "first", now + timedelta(seconds=50), agent="a")
    ).json()
    assert body["call"]["callback"] is True and body["call"]["state"] == "answered"
    phone.post(URL, event("end", "call_ended", "first", now + timedelta(seconds=200)))
    first = Call.objects.get(call_id="first")
    assert first.state == "ended" and first.talk_seconds == 150


@pytest.mark.django_db
def test_max_wait_offers_a_callback_to_the_ivr_once(world, api_as):
    """The router's callback offer reaches the telephony: in the answer to the event that
    found it due, or in the answer to its heartbeat (POST /telephony/dispatch)."""
    Queue.objects.filter(code="food").update(max_wait_seconds=60)
    phone = api_as("telephony")
    now = timezone.now()

    def offer(n, call, at):
        payload = event(n, "call_offered", call, at, line="we-are-together", ivr_path="1",
                        centre="nat")  # fmt: skip
        return phone.post(URL, payload).json()

    body = offer("o1", "long", now - timedelta(seconds=90))  # 90 s in the IVR already
    assert body["callback_offers"] == ["long"] and body["call"]["callback_offered"] is True
    body = offer("o2", "short", now - timedelta(seconds=20))
    assert body["callback_offers"] == [] and body["call"]["callback_offered"] is False
    assert phone.post("/api/v1/telephony/dispatch").json() == {"rung": [], "callback_offers": []}
    assert dispatch(now=now + timedelta(seconds=39)).callback_offers == []  # short: 59 s
    assert dispatch(now=now + timedelta(seconds=41)).callback_offers == ["short"]
    assert dispatch(now=now + timedelta(seconds=100)).callback_offers == []  # said once
    assert Call.objects.get(call_id="short").callback_offered_at == now + timedelta(seconds=41)
    # "short" accepts (virtual hold); "long" declined and keeps waiting, first in line.
    phone.post(URL, event("cb", "callback_requested", "short", now + timedelta(seconds=45)))
    for name in ("a", "b"):
        add_agent(world, name, idle_since=now, state="not_ready")
    rung = []
    for name in ("a", "b"):
        ready = {"event_id": f"r{name}", "type": "agent_state", "agent": name,
                 "event": "ready", "at": (now + timedelta(seconds=50)).isoformat()}  # fmt: skip
        rung += phone.post(URL, ready).json()["rung"]
    assert rung == [
        {"call_id": "long", "agent": "a", "callback": False},
        {"call_id": "short", "agent": "b", "callback": True},  # dial them back
    ]


@pytest.mark.django_db
def test_only_the_telephony_may_ask_for_a_dispatch(api_as):
    assert api_as("operator").post("/api/v1/telephony/dispatch").status_code == 403


@pytest.mark.django_db
def test_what_time_makes_due_is_the_heartbeats_not_every_events(world, api_as):
    """An answer or a hang-up changes neither the waiting calls nor the free agents: it
    routes nothing (and costs no query for it). A callback offer that time alone made due
    comes back in the telephony's next heartbeat, once."""
    from vmeste.contactcenter.dispatch import dispatch_if_due

    Queue.objects.filter(code="food").update(max_wait_seconds=60)
    phone = api_as("telephony")
    now = timezone.now()
    add_agent(world, "a", idle_since=now - timedelta(minutes=1))
    offer = {"line": "we-are-together", "ivr_path": "1", "centre": "nat"}
    assert phone.post(URL, event("o1", "call_offered", "talk", now, **offer)).json()["rung"]
    body = phone.post(URL, event("o2", "call_offered", "wait", now - timedelta(seconds=30),
                                 **offer)).json()  # fmt: skip
    assert body["rung"] == [] and body["callback_offers"] == []  # nobody free, 30 s only
    assert dispatch_if_due(now=now + timedelta(seconds=10)).callback_offers == []
    # Written as every writer of a waiting call does: with its revision raised (the
    # dispatch's copy of the waiting calls tells a change by it, ``waiting``).
    Call.objects.filter(call_id="wait").update(
        offered_at=now - timedelta(seconds=90), revision=F("revision") + 1
    )
    body = phone.post(URL, event("a1", "call_answered", "talk", now, agent="a")).json()
    assert body["callback_offers"] == [] and body["rung"] == []
    assert phone.post("/api/v1/telephony/dispatch").json()["callback_offers"] == ["wait"]
    assert phone.post("/api/v1/telephony/dispatch").json()["callback_offers"] == []
    assert phone.post(URL, event("e1", "call_ended", "talk", now)).json()["callback_offers"] == []
    # the agent wraps up and is free: the waiting caller is rung (a change, routed at once)
    wrapped = {"event_id": "w", "type": "agent_state", "agent": "a", "event": "wrap_done",
               "at": (now + timedelta(seconds=5)).isoformat()}  # fmt: skip
    assert phone.post(URL, wrapped).json()["rung"] == [
        {"call_id": "wait", "agent": "a", "callback": False}
    ]
