"""Overflow between queues (``Queue.overflow_to``): after the queue's overflow time a
waiting call is offered to the other queue's agents too, in its place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.contactcenter.dispatch import dispatch, dispatch_if_due
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.contactcenter.routing import Assignment, QueueRule, Router
from vmeste.core.models import Centre, Line

URL = "/api/v1/telephony/events"


def test_the_router_offers_an_overflowing_call_to_the_other_queues_agents_in_its_place():
    now = [0.0]
    router = Router(
        queues=[
            QueueRule("kids", "children", overflow_after=30, overflow_to="psy"),
            QueueRule("psy", "psychology", escalation=((0, 2), (60, 1))),
        ],
        clock=lambda: now[0],
    )
    router.sign_in("p1", centre="C", skills={"psychology": 1})
    router.sign_in("p2", centre="C", skills={"psychology": 2})
    assert router.ready("p1") == [] and router.ready("p2") == []
    assert router.offer("k", queue="kids", centre="C") == []  # nobody has the skill
    now[0] = 10
    assert router.offer("p", queue="psy", centre="C") == [Assignment("p", "p2", 10)]
    assert router.finish("p2") == []
    now[0] = 29.9
    assert router.tick() == []
    # after 30 s the psychologists may take it: at the level their queue asks at 30 s
    now[0] = 30
    assert router.ready("p2") == [Assignment("k", "p2", 30)]
    # p1 (level 1) only once the psychology queue's escalation would let them: at 60 s
    router.finish("p2")
    router.offer("k2", queue="kids", centre="C", arrived=0.0)
    assert router.tick() == []
    now[0] = 60
    assert router.tick() == [Assignment("k2", "p1", 60)]


def test_an_overflowing_call_keeps_its_place_before_the_other_queues_later_calls():
    now = [0.0]
    router = Router(
        queues=[
            QueueRule("kids", "children", overflow_after=30, overflow_to="psy"),
            QueueRule("psy", "psychology"),
        ],
        clock=lambda: now[0],
    )
    router.sign_in("p", centre="C", skills={"psychology": 1})
    router.offer("k", queue="kids", centre="C")
    now[0] = 20
    router.offer("p1", queue="psy", centre="C")
    now[0] = 40
    assert router.ready("p") == [Assignment("k", "p", 40)]  # waited longest: first


@pytest.fixture
def queues(make_user):
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    psy = Queue.objects.create(line=line, code="psy", name="Психолог", skill="psychology")
    Queue.objects.create(line=line, code="kids", name="Дети", skill="children",
                         overflow_after_seconds=30, overflow_to=psy)  # fmt: skip
    return {"centre": centre, "make_user": make_user}


def offered(n: int, call: str, at, queue: str) -> dict:
    return {"event_id": f"e{n}", "type": "call_offered", "call_id": call, "at": at.isoformat(),
            "line": "we-are-together", "queue": queue, "centre": "nat"}  # fmt: skip


@pytest.mark.django_db
def test_through_the_events_a_call_waiting_past_the_overflow_time_rings_the_other_queue(
    queues, api_as
):
    phone = api_as("telephony")
    now = timezone.now()
    Agent.objects.create(user=queues["make_user"]("psy1"), centre=queues["centre"],
                         skills={"psychology": 1}, state="available",
                         state_since=now - timedelta(minutes=5))  # fmt: skip
    # 10 s in the queue: still only for the children's agents (nobody), so it waits; the
    # free psychologist is eligible for nothing and an event costs no dispatch
    body = phone.post(URL, offered(1, "young", now - timedelta(seconds=10), "kids")).json()
    assert body["rung"] == [] and body["call"]["state"] == "waiting"
    assert dispatch_if_due(now=now).rung == []
    # the heartbeat after the overflow time gives it to the psychologist
    later = dispatch(now=now + timedelta(seconds=21))
    assert [(r.call_id, r.agent) for r in later.rung] == [("young", "psy1")]
    assert Call.objects.get(call_id="young").state == "ringing"
    phone.post(URL, {"event_id": "e2", "type": "call_answered", "call_id": "young",
                     "at": now.isoformat(), "agent": "psy1"})  # fmt: skip
    phone.post(URL, {"event_id": "e3", "type": "call_ended", "call_id": "young",
                     "at": (now + timedelta(seconds=1)).isoformat()})  # fmt: skip
    # a call that waited 40 s already rings at once, before the psychology queue's own
    # later call: it keeps its place
    phone.post(URL, offered(4, "own", now - timedelta(seconds=5), "psy"))
    phone.post(URL, offered(5, "old", now - timedelta(seconds=40), "kids"))
    at = (now + timedelta(seconds=2)).isoformat()
    body = phone.post(URL, {"event_id": "e6", "type": "agent_state", "agent": "psy1",
                            "event": "wrap_done", "at": at})  # fmt: skip
    assert [(r["call_id"], r["agent"]) for r in body.json()["rung"]] == [("old", "psy1")]
    assert Call.objects.get(call_id="own").state == "waiting"
