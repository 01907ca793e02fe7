"""A callback the media node was placing when it stopped is not lost: on start the node
tells Vmeste each one its ledger still lists, and Vmeste puts it back in its place (the
agent's ring undone, or the caller's dialling counted as a failed attempt)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import Agent, AgentStateChange, Call, Queue, TelephonyEvent
from vmeste.core.models import Centre, Line
from vmeste.telephony.callbacks import Callbacks
from vmeste.telephony.edgeclient import VmesteUnavailable

URL = "/api/v1/telephony/events"


def _stranded(call_id: str) -> str:
    return f"/api/v1/telephony/edge/callbacks/{call_id}/stranded"


@pytest.fixture
def waiting_callback(db, api_as, make_user, settings):
    """A caller who took the callback offer and hung up; agent «a» free."""
    settings.CALLBACK_RETRY_SECONDS = 600
    line = Line.objects.get(code="we-are-together")
    Queue.objects.create(line=line, code="food", name="Продукты", skill="general", ivr_path="1")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    phone = api_as("telephony")
    at = timezone.now() - timedelta(minutes=5)
    for n, kind, data in [("o", "call_offered", {"line": "we-are-together", "ivr_path": "1",
                                                 "centre": "nat", "caller_number": "+79001234567"}),
                          ("cb", "callback_requested", {}), ("hu", "call_ended", {})]:  # fmt: skip
        payload = {"event_id": f"c1-{n}", "type": kind, "call_id": "c1", "at": at.isoformat()}
        assert phone.post(URL, {**payload, **data}).status_code == 200
        at += timedelta(seconds=10)
    agent = Agent.objects.create(user=make_user("a"), centre=centre, skills={"general": 1},
                                 state="available", state_since=at)  # fmt: skip
    assert [(r.call_id, r.callback) for r in dispatch().rung] == [("c1", True)]
    return phone, agent


def test_a_callback_stranded_while_its_agent_rang_is_given_again_without_an_attempt(
    waiting_callback,
):
    phone, agent = waiting_callback
    answer = phone.post(_stranded("c1"), {})
    assert answer.status_code == 200, answer.content
    told = answer.json()
    # The agent is free again and the callback, in its place, goes straight back to them:
    # the node that asked places it.
    assert told["rung"] == [{"call_id": "c1", "agent": "a", "callback": True}]
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.callback_attempts, call.callback_failures) == ("ringing", 0, 0)
    undone = AgentStateChange.objects.filter(agent=agent, text__contains="перезапущен")
    assert [(c.from_status, c.to_status) for c in undone] == [("ringing", "available")]
    again = phone.post(_stranded("c1"), {}).json()  # stranded again: a new ring, a new event
    assert again["rung"] == [{"call_id": "c1", "agent": "a", "callback": True}]
    assert TelephonyEvent.objects.filter(event_id__startswith="stranded:").count() == 2


def test_a_callback_stranded_while_the_caller_was_dialled_is_a_failed_attempt(waiting_callback):
    phone, agent = waiting_callback
    dialing = {"event_id": "c1-d", "type": "callback_dialing", "call_id": "c1",
               "at": timezone.now().isoformat(), "agent": "a"}  # fmt: skip
    assert phone.post(URL, dialing).json()["call"]["state"] == "dialing"
    told = phone.post(_stranded("c1"), {}).json()
    assert told["state"] == "waiting" and told["rung"] == []  # the retry waits its interval
    call = Call.objects.get(call_id="c1")
    assert (call.callback_attempts, call.callback_failures) == (1, 1)
    assert call.callback_failed_at is not None and call.ended_at is None
    agent.refresh_from_db()
    assert (agent.state, agent.call_id) == ("wrap_up", None)
    # Told twice (the node's retry): nothing more.
    assert phone.post(_stranded("c1"), {}).json()["outcome"] == "not being placed"
    assert Call.objects.get(call_id="c1").callback_failures == 1


def test_a_node_back_late_does_not_undo_a_ring_given_again_since(waiting_callback, settings):
    """The heartbeat took the callback back from a node that went away and gave it again
    (to another node); the first node, restarted, tells its ledger: its ring, not the new
    one, is what it speaks of, and that one is over."""
    phone, agent = waiting_callback
    settings.CALLBACK_PLACE_SECONDS = 60
    [due] = phone.get("/api/v1/telephony/callbacks/due").json()
    agent.refresh_from_db()
    ring = agent.state_since  # the ring of now: the callback given again 61 s after …
    assert due["given_at"] == ring.isoformat()
    earlier = (ring - timedelta(seconds=61)).isoformat()  # … the one the node was given
    told = phone.post(_stranded("c1"), {"given_at": earlier}).json()
    assert told["outcome"] == "not being placed" and told["state"] == "ringing"
    agent.refresh_from_db()
    assert (agent.state, agent.state_since) == ("ringing", ring)
    # Its own ring (the moment matches): put back as before.
    told = phone.post(_stranded("c1"), {"given_at": due["given_at"]}).json()
    assert told["rung"] == [{"call_id": "c1", "agent": "a", "callback": True}]


def test_only_a_callback_being_placed_is_put_back(waiting_callback, api_as):
    phone, _agent = waiting_callback
    Call.objects.filter(call_id="c1").update(state="waiting", agent=None)
    assert phone.post(_stranded("c1"), {}).json()["outcome"] == "not being placed"
    assert phone.post(_stranded("nope"), {}).status_code == 404
    assert api_as("operator").post(_stranded("c1"), {}).status_code == 403


class _App:
    """The media application as ``Callbacks`` sees it: Vmeste unreachable at first."""

    def __init__(self) -> None:
        self.told: list[str] = []
        self.answers: list[dict] = []
        self.vmeste = self
        self.down = 1

    async def callback_stranded(self, call_id: str, given_at: str = "") -> dict:
        if self.down:
            self.down -= 1
            raise VmesteUnavailable("starting")
        self.told.append((call_id, given_at))
        return {"call_id": call_id, "state": "waiting", "rung": []}

    async def callbacks_due(self) -> list[dict]:
        return [{"call_id": "c3", "agent": "a", "caller_number": "+7900",
                 "given_at": "2026-04-01T10:00:00+00:00"}]  # fmt: skip

    def on_answer(self, answer: dict) -> None:
        self.answers.append(answer)


def test_the_node_keeps_its_callbacks_on_disk_and_tells_them_after_a_restart(tmp_path):
    ledger = tmp_path / "callbacks-5070.json"
    # The previous run's, cut off: «c1» with the moment it was given, «c2» before ``due``.
    ledger.write_text(json.dumps({"c1": "2026-04-01T09:00:00+00:00", "c2": ""}))
    app = _App()

    async def scenario():
        callbacks = Callbacks(app, ledger)
        callbacks.RECOVER_SECONDS = 0.05
        await asyncio.wait_for(callbacks.recover(), 5)  # Vmeste down once: asked again
        after_recovery = json.loads(ledger.read_text())
        placing = asyncio.get_running_loop().create_future()  # the SIP legs: not here
        callbacks._place = lambda due: callbacks.placing.__setitem__(due["call_id"], placing)
        callbacks.given("c3")
        given = json.loads(ledger.read_text())
        while "c3" not in callbacks.placing:  # Vmeste's list of what is due, asked
            await asyncio.sleep(0.01)
        being_placed = json.loads(ledger.read_text())
        callbacks._placed("c3")  # the callback's task over, however it ended
        return after_recovery, given, being_placed, json.loads(ledger.read_text())

    after_recovery, given, being_placed, at_end = asyncio.run(scenario())
    assert sorted(app.told) == [("c1", "2026-04-01T09:00:00+00:00"), ("c2", "")]
    assert len(app.answers) == 2 and after_recovery == {} and at_end == {}
    assert given == {"c3": ""} and being_placed == {"c3": "2026-04-01T10:00:00+00:00"}


def test_a_ledger_of_ids_alone_is_still_told(tmp_path):
    ledger = tmp_path / "callbacks-5070.json"
    ledger.write_text(json.dumps(["c1"]))  # written before the ledger kept ``given_at``
    app = _App()
    app.down = 0
    asyncio.run(asyncio.wait_for(Callbacks(app, ledger).recover(), 5))
    assert app.told == [("c1", "")] and json.loads(ledger.read_text()) == {}
