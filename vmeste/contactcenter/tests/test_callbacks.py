"""Callbacks placed through the edge: in the caller's place, agent first, retried, given
up after the last attempt, never at night in the caller's region. Fixed clock: the
dispatch is called with its moment; the events' own dispatches find no free agent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.contactcenter.tests import clock
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre, Line, Region

pytestmark = pytest.mark.django_db
URL = "/api/v1/telephony/events"
DUE = "/api/v1/telephony/callbacks/due"
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)  # 13:00 in Moscow, 20:00 in Vladivostok


@pytest.fixture
def world(make_user, settings):
    settings.CALLBACK_HOURS = "09:00-21:00"
    settings.CALLBACK_RETRY_SECONDS = 600
    settings.CALLBACK_ATTEMPTS = 2
    line = Line.objects.get(code="we-are-together")
    Queue.objects.create(line=line, code="food", name="Продукты", skill="general", ivr_path="1")
    Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    far = Region.objects.get(code="RU-VGG")
    far.time_zone = "Asia/Vladivostok"  # UTC+10: its night comes while Moscow works
    far.save()
    Centre.objects.create(code="far", name_ru="Дальний", kind="regional", region=far)
    return {"make_user": make_user}


def agent(world, name, centre="nat"):
    return Agent.objects.create(
        user=world["make_user"](name), centre=Centre.objects.get(code=centre),
        skills={"general": 1}, state="not_ready", state_since=T0 - timedelta(hours=1),
    )  # fmt: skip


def free(name):
    Agent.objects.filter(user__username=name).update(state="available")


@pytest.fixture(autouse=True)
def _server_clock(server_clock):
    """The server at each event's moment (``clock``): wrap-ups end on the events' day."""


def ev(n, kind, call, at, **fields):
    clock.SERVER.follow(at)
    return {"event_id": n, "type": kind, "call_id": call, "at": at.isoformat(), **fields}


def wants_callback(phone, call, at, centre="nat"):
    phone.post(URL, ev(f"{call}-o", "call_offered", call, at, line="we-are-together",
                       ivr_path="1", centre=centre, caller_number="+79001234567"))  # fmt: skip
    phone.post(URL, ev(f"{call}-cb", "callback_requested", call, at + timedelta(seconds=30)))
    phone.post(URL, ev(f"{call}-hu", "call_ended", call, at + timedelta(seconds=31)))


def rung(now):
    return [(r.call_id, r.agent, r.callback) for r in dispatch(now=now).rung]


def test_a_callback_is_placed_retried_and_given_up_after_the_last_attempt(world, api_as):
    phone = api_as("telephony")
    wants_callback(phone, "c1", T0)
    agent(world, "a")
    free("a")
    assert rung(T0 + timedelta(seconds=60)) == [("c1", "a", True)]
    due = phone.get(DUE).json()
    assert [(d["call_id"], d["intent"], d["agent"], d["attempt"]) for d in due] == [
        ("c1", "place_callback", "a", 1)
    ]
    assert due[0]["caller_number"] == "+79001234567"
    dialing = phone.post(URL, ev("d1", "callback_dialing", "c1", T0 + timedelta(seconds=62),
                                 agent="a")).json()  # fmt: skip
    assert dialing["call"]["state"] == "dialing" and phone.get(DUE).json() == []
    assert Agent.objects.get(user__username="a").state == "on_call"
    failed = phone.post(URL, ev("f1", "callback_failed", "c1", T0 + timedelta(seconds=90),
                                reason="no_answer")).json()  # fmt: skip
    assert failed["call"]["state"] == "waiting"
    a = Agent.objects.get(user__username="a")
    assert (a.state, a.call_id) == ("wrap_up", None)
    free("a")
    assert rung(T0 + timedelta(seconds=600)) == []  # the retry is not due yet
    assert rung(T0 + timedelta(seconds=690)) == [("c1", "a", True)]
    assert phone.get(DUE).json()[0]["attempt"] == 2
    phone.post(URL, ev("d2", "callback_dialing", "c1", T0 + timedelta(seconds=692), agent="a"))
    body = phone.post(URL, ev("f2", "callback_failed", "c1", T0 + timedelta(seconds=720))).json()
    assert body["call"]["state"] == "abandoned"  # the last attempt: the caller is lost, once
    call = Call.objects.get(call_id="c1")
    assert (call.callback_attempts, call.callback_failures, call.disposition) == (
        2, 2, "callback_failed"
    )  # fmt: skip
    assert call.ended_at == T0 + timedelta(seconds=720)
    assert Agent.objects.get(user__username="a").state == "wrap_up"
    free("a")
    assert rung(T0 + timedelta(hours=2)) == []
    assert Contact.objects.filter(call_id="c1").count() == 1


def test_an_answered_callback_is_a_call_answered(world, api_as):
    phone = api_as("telephony")
    wants_callback(phone, "c1", T0)
    agent(world, "a")
    free("a")
    rung(T0 + timedelta(seconds=60))
    phone.post(URL, ev("d1", "callback_dialing", "c1", T0 + timedelta(seconds=62), agent="a"))
    body = phone.post(URL, ev("ok", "callback_answered", "c1", T0 + timedelta(seconds=70))).json()
    assert body["call"]["state"] == "answered" and body["call"]["wait_seconds"] == 70.0
    phone.post(URL, ev("end", "call_ended", "c1", T0 + timedelta(seconds=200)))
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.talk_seconds, call.callback_attempts) == ("ended", 130.0, 1)
    assert Agent.objects.get(user__username="a").state == "wrap_up"


def test_no_callback_at_night_in_the_callers_region_it_waits_for_the_morning(world, api_as):
    phone = api_as("telephony")
    evening = T0 + timedelta(hours=2)  # 22:00 in Vladivostok
    wants_callback(phone, "first", evening, centre="far")
    wants_callback(phone, "second", evening + timedelta(minutes=5), centre="far")
    agent(world, "a", centre="far")
    free("a")
    assert rung(evening + timedelta(minutes=10)) == []
    assert rung(datetime(2026, 4, 1, 22, 59, tzinfo=UTC)) == []  # 08:59 there
    # 09:00 there: the first to ask is the first called back, the other keeps waiting
    assert rung(datetime(2026, 4, 1, 23, 0, tzinfo=UTC)) == [("first", "a", True)]
    assert Call.objects.get(call_id="second").state == "waiting"


def test_a_night_callback_does_not_hold_up_callers_still_on_the_line(world, api_as):
    phone = api_as("telephony")
    evening = T0 + timedelta(hours=2)
    wants_callback(phone, "back", evening, centre="far")
    phone.post(URL, ev("o", "call_offered", "live", evening + timedelta(minutes=1),
                       line="we-are-together", ivr_path="1", centre="far"))  # fmt: skip
    agent(world, "a", centre="far")
    free("a")
    assert rung(evening + timedelta(minutes=2)) == [("live", "a", False)]
