"""Blind transfers in the routing core: to a queue, to a named agent, out to a number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.contactcenter.tests import clock
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre, Line

pytestmark = pytest.mark.django_db
URL = "/api/v1/telephony/events"
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def world(make_user):
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    for code, skill, path in (("food", "general", "1"), ("psy", "psy", "3")):
        Queue.objects.create(
            line=line, code=code, name=code, skill=skill, ivr_path=path, escalation=[[0, 1]]
        )
    return {"centre": centre, "make_user": make_user}


def agent(world, name, skills, *, state="available", since=T0 - timedelta(minutes=5)):
    return Agent.objects.create(
        user=world["make_user"](name), centre=world["centre"], skills=skills,
        state=state, state_since=since,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _server_clock(server_clock):
    """The server at each event's moment (``clock``): wrap-ups end on the events' day."""


def ev(n, kind, call, seconds, **fields):
    at = (T0 + timedelta(seconds=seconds)).isoformat()
    clock.SERVER.follow(at)
    return {"event_id": n, "type": kind, "call_id": call, "at": at, **fields}


def offer(phone, n, call, seconds, path="1"):
    return phone.post(
        URL,
        ev(n, "call_offered", call, seconds, line="we-are-together", ivr_path=path, centre="nat"),
    ).json()


def state(name):
    a = Agent.objects.select_related("call").get(user__username=name)
    return a.state, a.call.call_id if a.call else None


def test_a_transfer_to_a_queue_rings_an_agent_of_that_queue(world, api_as):
    phone = api_as("telephony")
    agent(world, "first", {"general": 1})
    assert offer(phone, "o", "c1", 0)["call"]["agent"] == "first"
    phone.post(URL, ev("a", "call_answered", "c1", 5, agent="first"))
    agent(world, "psy", {"psy": 1})
    body = phone.post(URL, ev("t", "call_transferred", "c1", 60, to_queue="psy")).json()
    # Before the fix the call stayed with "first" and nobody rang.
    assert body["rung"] == [{"call_id": "c1", "agent": "psy", "callback": False}]
    assert body["call"]["state"] == "ringing" and body["call"]["queue"] == "psy"
    assert state("first") == ("wrap_up", None)
    assert state("psy") == ("ringing", "c1")
    phone.post(URL, ev("a2", "call_answered", "c1", 70, agent="psy"))
    assert state("psy") == ("on_call", "c1")
    phone.post(URL, ev("e", "call_ended", "c1", 200))
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.agent.user.username, call.wait_seconds) == ("ended", "psy", 5.0)
    assert state("psy") == ("wrap_up", None)
    assert Contact.objects.filter(call_id="c1").count() == 1


def test_a_transferred_caller_keeps_the_place_of_their_first_offer(world, api_as):
    phone = api_as("telephony")
    agent(world, "first", {"general": 1})
    offer(phone, "o1", "c1", 0)
    phone.post(URL, ev("a", "call_answered", "c1", 5, agent="first"))
    offer(phone, "o2", "later", 30, path="3")  # waits in psy: nobody there yet
    body = phone.post(URL, ev("t", "call_transferred", "c1", 60, to_queue="psy")).json()
    assert body["rung"] == [] and body["call"]["state"] == "waiting"
    psy = agent(world, "psy", {"psy": 1}, state="not_ready")
    body = phone.post(
        URL, {"event_id": "r", "type": "agent_state", "agent": "psy", "event": "ready",
              "at": (T0 + timedelta(seconds=90)).isoformat()},
    ).json()  # fmt: skip
    # offered at 0 s (before "later" at 30 s): the transferred caller goes first
    assert [r["call_id"] for r in body["rung"]] == ["c1"]
    assert psy.pk == Call.objects.get(call_id="c1").agent_id


def test_a_transfer_to_a_named_agent_waits_for_them_then_falls_back(world, api_as, settings):
    settings.TRANSFER_AGENT_WAIT_SECONDS = 60
    phone = api_as("telephony")
    agent(world, "first", {"general": 1})
    offer(phone, "o", "c1", 0)
    phone.post(URL, ev("a", "call_answered", "c1", 5, agent="first"))
    agent(world, "expert", {"general": 1}, state="on_call")  # busy with another caller
    body = phone.post(URL, ev("t", "call_transferred", "c1", 60, to_agent="expert")).json()
    assert body["call"]["state"] == "waiting" and body["rung"] == []
    other = agent(world, "other", {"general": 1})  # free, but the call waits for "expert"
    assert dispatch(now=T0 + timedelta(seconds=90)).rung == []
    assert Call.objects.get(call_id="c1").state == "waiting"
    # a minute after the transfer the expert is still busy: the queue's agents may take it
    rung = dispatch(now=T0 + timedelta(seconds=121)).rung
    assert [(r.call_id, r.agent) for r in rung] == [("c1", "other")]
    assert Call.objects.get(call_id="c1").agent_id == other.pk


def test_a_named_agent_who_frees_up_in_time_is_rung(world, api_as):
    phone = api_as("telephony")
    agent(world, "first", {"general": 1})
    offer(phone, "o", "c1", 0)
    phone.post(URL, ev("a", "call_answered", "c1", 5, agent="first"))
    expert = agent(world, "expert", {"general": 1}, state="wrap_up")
    phone.post(URL, ev("t", "call_transferred", "c1", 60, to_agent="expert"))
    agent(world, "other", {"general": 1}, since=T0)  # free all along, the longest idle
    Agent.objects.filter(pk=expert.pk).update(state="available")
    rung = dispatch(now=T0 + timedelta(seconds=70)).rung
    assert [(r.call_id, r.agent) for r in rung] == [("c1", "expert")]


def test_a_transfer_out_to_a_number_ends_the_call_once(world, api_as):
    phone = api_as("telephony")
    agent(world, "first", {"general": 1})
    offer(phone, "o", "c1", 0)
    phone.post(URL, ev("a", "call_answered", "c1", 5, agent="first"))
    body = phone.post(URL, ev("t", "call_transferred", "c1", 65, to_number="+74950000000")).json()
    assert body["call"]["state"] == "ended" and body["call"]["talk_seconds"] == 60.0
    assert state("first") == ("wrap_up", None)
    # the edge's own hang-up later, twice: nothing changes, nothing counted again
    phone.post(URL, ev("e", "call_ended", "c1", 400))
    phone.post(URL, ev("e2", "call_ended", "c1", 401))
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.transferred_to, call.disposition) == (
        "ended",
        "+74950000000",
        "transferred",
    )
    assert call.ended_at == T0 + timedelta(seconds=65)
    contact = Contact.objects.get(call_id="c1")
    assert contact.disposition == "transferred"


def test_a_transfer_out_from_the_menu_is_not_an_abandoned_call(world, api_as):
    phone = api_as("telephony")
    offer(phone, "o", "c1", 0)
    phone.post(URL, ev("t", "call_transferred", "c1", 20, to_number="+74950000000"))
    assert Call.objects.get(call_id="c1").state == "ended"


def test_a_transfer_to_nowhere_is_refused_and_the_call_stays(world, api_as):
    phone = api_as("telephony")
    agent(world, "first", {"general": 1})
    offer(phone, "o", "c1", 0)
    phone.post(URL, ev("a", "call_answered", "c1", 5, agent="first"))
    for n, fields, field in (
        ("t1", {"to_queue": "nowhere"}, "to_queue"),
        ("t2", {"to_agent": "nobody"}, "to_agent"),
        ("t3", {}, "to_queue"),
    ):
        response = phone.post(URL, ev(n, "call_transferred", "c1", 60, **fields))
        assert response.status_code == 422
        assert field in response.json()["error"]["fields"]
    assert Call.objects.get(call_id="c1").state == "answered"
    assert state("first") == ("on_call", "c1")
