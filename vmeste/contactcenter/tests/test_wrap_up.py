"""Wrap-up is applied: after a call the agent is in wrap-up for their queue's time, then
available again by themselves — unless they chose another state meanwhile or ended it
early. In the pure router (its clock fixed) and through the telephony's events (the
server's clock fixed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from vmeste.contactcenter.models import Agent, Queue
from vmeste.contactcenter.routing import Assignment, QueueRule, Router
from vmeste.core.models import Centre, Line

# ---- the routing core ------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def talked(router: Router, clock: Clock, agent: str, *, ended: float, wrap_up: float | None):
    """The agent takes a call at ``ended - 60`` and finishes it at ``ended``."""
    clock.now = ended - 60
    router.ready(agent)
    assert rung(router.offer(f"before-{agent}", queue="q", centre="C")) == [
        (f"before-{agent}", agent)
    ]
    clock.now = ended
    router.finish(agent, wrap_up=wrap_up)


def rung(decisions) -> list[tuple[str, str]]:
    return [(d.call_id, d.agent_id) for d in decisions if isinstance(d, Assignment)]


def make() -> tuple[Router, Clock]:
    clock = Clock()
    router = Router(queues=[QueueRule("q", "general")], clock=clock)
    router.sign_in("a", centre="C", skills={"general": 1})
    return router, clock


def test_the_router_gives_no_call_in_wrap_up_and_does_when_it_ends():
    router, clock = make()
    talked(router, clock, "a", ended=100, wrap_up=30)
    clock.now = 110
    assert router.offer("c", queue="q", centre="C") == []  # waits: "a" writes up the call
    assert router.next_deadline() == 130  # a driver wakes the router then
    clock.now = 129.9
    assert router.tick() == []
    clock.now = 130
    assert rung(router.tick()) == [("c", "a")]
    assert router.agent_call("a") == "c" and router.next_deadline() is None


def test_a_wrap_up_that_ended_with_no_caller_leaves_the_agent_ready_since_then():
    router, clock = make()
    router.sign_in("b", centre="C", skills={"general": 1})
    talked(router, clock, "a", ended=100, wrap_up=30)
    clock.now = 140
    router.ready("b")  # ready at 140; "a" has been ready since 130 (applied first)
    assert router.is_ready("a") and router.is_ready("b")
    clock.now = 150
    assert rung(router.offer("c", queue="q", centre="C")) == [("c", "a")]  # longest idle


def test_ready_early_takes_the_call_at_once_and_the_old_end_changes_nothing():
    router, clock = make()
    talked(router, clock, "a", ended=100, wrap_up=30)
    clock.now = 105
    router.offer("c1", queue="q", centre="C")
    clock.now = 110
    assert rung(router.ready("a")) == [("c1", "a")]  # ended early from the toolbar
    clock.now = 120
    router.finish("a")  # a call without a wrap-up time: wrap-up until ready, as before
    router.offer("c2", queue="q", centre="C")
    clock.now = 500
    assert router.tick() == [] and router.agent_call("a") is None  # 130 passed: nothing


def test_another_state_chosen_in_wrap_up_stays():
    router, clock = make()
    talked(router, clock, "a", ended=100, wrap_up=30)
    clock.now = 110
    router.not_ready("a")  # a break, or not ready: the wrap-up's end does not undo it
    router.offer("c", queue="q", centre="C")
    clock.now = 200
    assert router.tick() == [] and not router.is_ready("a")
    assert rung(router.ready("a")) == [("c", "a")]


# ---- through the telephony's events ----------------------------------------------------

URL = "/api/v1/telephony/events"
T = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """The server's clock, fixed: the dispatch reads ``timezone.now``."""
    now = {"at": T}
    monkeypatch.setattr(timezone, "now", lambda: now["at"])
    return now


@pytest.fixture
def phone(db, make_user, api_as, clock):
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    Queue.objects.create(line=line, code="food", name="Продукты", skill="general",
                         ivr_path="1", escalation=[[0, 1]], wrap_up_seconds=20)  # fmt: skip
    Agent.objects.create(user=make_user("a"), centre=centre, skills={"general": 1},
                         state="available", state_since=T - timedelta(minutes=5))  # fmt: skip
    return api_as("telephony")


def send(phone, n: str, kind: str, call: str, seconds: float, **fields) -> dict:
    at = (T + timedelta(seconds=seconds)).isoformat()
    body = {"event_id": n, "type": kind, "call_id": call, "at": at, **fields}
    return phone.post(URL, body).json()


def a_call_and_a_caller_waiting(phone, clock) -> None:
    """``c1`` talked with "a" from 2 s to 60 s (wrap-up until 80 s); ``c2`` waits from 61 s."""
    offer = {"line": "we-are-together", "ivr_path": "1", "centre": "nat"}
    assert send(phone, "o1", "call_offered", "c1", 0, **offer)["rung"][0]["agent"] == "a"
    send(phone, "a1", "call_answered", "c1", 2, agent="a")
    clock["at"] = T + timedelta(seconds=60)
    send(phone, "e1", "call_ended", "c1", 60)
    agent = Agent.objects.get()
    assert (agent.state, agent.wrap_up_until) == ("wrap_up", T + timedelta(seconds=80))
    clock["at"] = T + timedelta(seconds=61)
    assert send(phone, "o2", "call_offered", "c2", 61, **offer)["rung"] == []


def heartbeat(phone, clock, seconds: float) -> list:
    clock["at"] = T + timedelta(seconds=seconds)
    return phone.post("/api/v1/telephony/dispatch").json()["rung"]


def test_after_the_queues_wrap_up_time_the_agent_is_rung_not_before(phone, clock):
    a_call_and_a_caller_waiting(phone, clock)
    assert heartbeat(phone, clock, 79) == []
    assert Agent.objects.get().state == "wrap_up"
    assert heartbeat(phone, clock, 80.5) == [{"call_id": "c2", "agent": "a", "callback": False}]
    agent = Agent.objects.get()
    assert agent.state == "ringing" and agent.wrap_up_until is None
    steps = [(e.kind, e.at, e.actor) for e in agent.events.order_by("pk")][-3:]
    assert steps == [("hang_up", T + timedelta(seconds=60), None),
                     ("wrap_done", T + timedelta(seconds=80), None),  # when it ended
                     ("ring", T + timedelta(seconds=80.5), None)]  # fmt: skip


def test_the_heartbeat_applies_a_wrap_up_that_ended_with_nobody_waiting(phone, clock):
    offer = {"line": "we-are-together", "ivr_path": "1", "centre": "nat"}
    send(phone, "o1", "call_offered", "c1", 0, **offer)
    send(phone, "a1", "call_answered", "c1", 2, agent="a")
    send(phone, "e1", "call_ended", "c1", 60)
    clock["at"] = T + timedelta(seconds=90)
    # an event that changes nobody's state routes nothing: time is the heartbeat's
    answer = send(phone, "x", "agent_state", "", 90, agent="nobody", event="ready")
    assert answer["outcome"] == "unknown agent" and answer["rung"] == []
    assert Agent.objects.get().state == "wrap_up"
    assert heartbeat(phone, clock, 90) == []
    agent = Agent.objects.get()
    assert (agent.state, agent.state_since) == ("available", T + timedelta(seconds=80))


def test_a_break_taken_in_wrap_up_is_kept(phone, clock):
    a_call_and_a_caller_waiting(phone, clock)
    clock["at"] = T + timedelta(seconds=70)
    took = send(phone, "b1", "agent_state", "", 70, agent="a", event="take_break", reason="обед")
    assert took["outcome"] == "" and took["rung"] == []
    assert heartbeat(phone, clock, 300) == []
    assert Agent.objects.get().state == "on_break"


def test_ended_early_from_the_toolbar(phone, clock, client):
    a_call_and_a_caller_waiting(phone, clock)
    agent = Agent.objects.get()
    client.force_login(agent.user)
    clock["at"] = T + timedelta(seconds=65)
    client.post("/contactcenter/toolbar/event/", {"event": "wrap_done"})
    agent.refresh_from_db()
    assert (agent.state, agent.wrap_up_until) == ("available", None)
    assert agent.events.order_by("pk").last().actor == agent.user  # who ended it
    assert heartbeat(phone, clock, 66) == [{"call_id": "c2", "agent": "a", "callback": False}]
