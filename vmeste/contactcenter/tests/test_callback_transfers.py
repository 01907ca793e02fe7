"""A callback in progress (the agent's phone, then the caller dialled back and answered)
transferred from the site, as any call an agent talks on: the order claimed by the node
holding it, the caller waiting again in the queue as a caller on the line (rung to the
next agent, never dialled back), or put through to a number; one call, counted once, the
agent who transferred it in wrap-up. Fixed clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vmeste.contactcenter.models import Agent, Call, TransferOrder
from vmeste.contactcenter.tests import clock
from vmeste.contactcenter.tests.test_callbacks import (  # noqa: F401
    DUE,
    T0,
    URL,
    agent,
    ev,
    free,
    rung,
    wants_callback,
    world,
)
from vmeste.contacts.models import Contact

pytestmark = pytest.mark.django_db
CLAIM = "/api/v1/telephony/edge/transfers/claim"


@pytest.fixture(autouse=True)
def _server_clock(server_clock):
    """The server at each event's moment (``clock``)."""


@pytest.fixture
def dialling(world, api_as):  # noqa: F811
    """Operator «op» is on the line, the caller of c1 being dialled back; «b» (same skill)
    not ready yet; the edge's client."""
    phone, op = api_as("telephony"), api_as("operator")
    wants_callback(phone, "c1", T0)
    Agent.objects.create(user=op.user, centre=agent(world, "b").centre, skills={"general": 1},
                         state="available", state_since=T0)  # fmt: skip
    assert rung(T0 + timedelta(seconds=60)) == [("c1", op.user.username, True)]
    phone.post(URL, ev("d", "callback_dialing", "c1", T0 + timedelta(seconds=62),
                       agent=op.user.username))  # fmt: skip
    return phone, op


@pytest.fixture
def called_back(dialling):
    """… and the caller answered: they talk."""
    phone, op = dialling
    answered = ev("ok", "callback_answered", "c1", T0 + timedelta(seconds=70), node="n1")
    assert phone.post(URL, answered).json()["call"]["state"] == "answered"
    return phone, op


def _ordered(phone, op, **target) -> dict:
    """The agent asks the transfer on the site; the node holding the call claims it."""
    asked = op.post("/api/v1/contactcenter/calls/c1/transfer", target)
    assert asked.status_code == 202, asked.content
    [order] = phone.post(CLAIM, {"call_ids": ["c1"]}).json()
    return order


def test_a_transfer_before_the_caller_answers_is_refused_at_once(dialling):
    """Nobody to transfer yet (the caller's phone rings): refused up front, in Russian,
    no order kept — never an order dropped later."""
    _phone, op = dialling
    asked = op.post("/api/v1/contactcenter/calls/c1/transfer", {"to_queue": "food"})
    assert asked.status_code == 409 and "сейчас ведёте" in asked.json()["error"]["message"]
    assert not TransferOrder.objects.exists()


def test_a_callback_transferred_to_a_queue_waits_as_a_caller_on_the_line(called_back):
    phone, op = called_back
    assert _ordered(phone, op, to_queue="food")["to_queue"] == "food"
    free("b")
    moved = phone.post(URL, ev("t", "call_transferred", "c1", T0 + timedelta(seconds=120),
                               to_queue="food")).json()  # fmt: skip
    # «b» rung for a caller who is on the line at the node: not a callback to place.
    assert moved["rung"] == [{"call_id": "c1", "agent": "b", "callback": False}]
    assert phone.get(DUE).json() == []
    me = Agent.objects.get(user=op.user)
    assert (me.state, me.call_id) == ("wrap_up", None)
    phone.post(URL, ev("a2", "call_answered", "c1", T0 + timedelta(seconds=125), agent="b"))
    phone.post(URL, ev("end", "call_ended", "c1", T0 + timedelta(seconds=300)))
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.agent.user.username, call.wait_seconds) == ("ended", "b", 70.0)
    assert call.folded["summary"]["transfers"] == 1 and call.callback_attempts == 1
    assert Contact.objects.filter(call_id="c1").count() == 1
    assert TransferOrder.objects.get().taken_at is not None


def test_a_transferred_callbacks_unreported_ring_is_a_callers(called_back, settings):
    """A ring of the transferred caller nobody reports on is taken back like any caller's,
    not kept for a callback to be placed (``ringwatch``)."""
    phone, op = called_back
    _ordered(phone, op, to_queue="food")
    free("b")
    at = T0 + timedelta(seconds=120)
    phone.post(URL, ev("t", "call_transferred", "c1", at, to_queue="food"))
    settings.CALLBACK_PLACE_SECONDS = 60
    for _ in (1, 2):  # twice unreported: the node holding the caller is gone with them
        at += timedelta(seconds=61)
        clock.SERVER.follow(at)
        phone.post("/api/v1/telephony/dispatch", {"node": "n2", "calls": []})
    call = Call.objects.get(call_id="c1")  # ended (answered once), not waiting for ever
    assert (call.state, call.ended_at, call.agent) == ("ended", at, None)


def test_a_callback_transferred_to_a_number_ends_there_counted_once(called_back):
    phone, op = called_back
    assert _ordered(phone, op, to_number="+74951112233")["to_number"] == "+74951112233"
    at = T0 + timedelta(seconds=120)
    phone.post(URL, ev("t", "call_transferred", "c1", at, to_number="+74951112233"))
    phone.post(URL, ev("end", "call_ended", "c1", at + timedelta(seconds=300)))
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.disposition, call.transferred_to) == (
        "ended", "transferred", "+74951112233"
    )  # fmt: skip
    assert call.ended_at == at and Contact.objects.filter(call_id="c1").count() == 1
    assert Agent.objects.get(user=op.user).state == "wrap_up"
