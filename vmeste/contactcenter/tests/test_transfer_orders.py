"""Transfers asked from the site: the agent talking to the caller asks (the API, the
toolbar), the media node holding the call claims the order once and carries it out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.contactcenter.models import Agent, Call, Queue, TransferOrder
from vmeste.core.models import Centre, Line

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/telephony/events"
CLAIM = "/api/v1/telephony/edge/transfers/claim"


def _transfer(call_id: str) -> str:
    return f"/api/v1/contactcenter/calls/{call_id}/transfer"


@pytest.fixture
def talking(api_as, make_user):
    """Operator «op» (an agent) talks to the caller of c1; the edge's client."""
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    for code, skill, path in (("food", "general", "1"), ("psy", "psy", "3")):
        Queue.objects.create(
            line=line, code=code, name=code, skill=skill, ivr_path=path, escalation=[[0, 1]]
        )
    op = api_as("operator")
    since = timezone.now() - timedelta(minutes=5)
    for user, skills in ((op.user, {"general": 1}), (make_user("colleague"), {"psy": 1})):
        Agent.objects.create(
            user=user, centre=centre, skills=skills, state="available", state_since=since
        )
    edge = api_as("telephony")
    now = timezone.now().isoformat()
    offered = {"event_id": "o", "type": "call_offered", "call_id": "c1", "at": now,
               "line": "we-are-together", "ivr_path": "1", "centre": "nat"}  # fmt: skip
    assert edge.post(EVENTS, offered).json()["call"]["agent"] == op.user.username
    answered = {"event_id": "a", "type": "call_answered", "call_id": "c1", "at": now,
                "agent": op.user.username}  # fmt: skip
    assert edge.post(EVENTS, answered).json()["call"]["state"] == "answered"
    return op, edge


def test_the_agent_asks_and_the_node_holding_the_call_takes_the_order_once(talking):
    op, edge = talking
    asked = op.post(_transfer("c1"), {"to_queue": "psy"})
    assert asked.status_code == 202, asked.content
    assert asked.json()["state"] == "asked"
    again = op.post(_transfer("c1"), {"to_number": "+74950000000"})
    assert again.status_code == 409 and "уже запрошен" in again.json()["error"]["message"]
    assert edge.post(CLAIM, {"call_ids": ["other"]}).json() == []  # not this node's call
    taken = edge.post(CLAIM, {"call_ids": ["other", "c1"]}).json()
    assert taken == [{"call_id": "c1", "step": "blind", "to_queue": "psy", "to_agent": "",
                      "to_number": "", "asked_by": op.user.username}]  # fmt: skip
    assert edge.post(CLAIM, {"call_ids": ["c1"]}).json() == []  # once
    order = TransferOrder.objects.get()
    assert order.taken_at is not None and order.asked_by.user == op.user
    # The node carries it out as a REFER: the call waits in «psy», the colleague rung.
    moved = {"event_id": "t", "type": "call_transferred", "call_id": "c1",
             "at": timezone.now().isoformat(), "to_queue": "psy"}  # fmt: skip
    assert edge.post(EVENTS, moved).json()["rung"][0]["agent"] == "colleague"
    call = Call.objects.get(call_id="c1")
    assert (call.queue.code, call.agent.user.username) == ("psy", "colleague")


@pytest.mark.parametrize(
    "payload, status, field",
    [
        ({}, 422, "to_queue"),
        ({"to_queue": "psy", "to_agent": "colleague"}, 422, "to_queue"),
        ({"to_queue": "nope"}, 422, "to_queue"),
        ({"to_agent": "nobody"}, 422, "to_agent"),
        ({"to_number": "12"}, 422, "to_number"),
        ({"to_number": "+7 (495) 000-00-00x"}, 422, "to_number"),
    ],
)
def test_a_bad_target_is_refused_in_russian_and_changes_nothing(talking, payload, status, field):
    op, _edge = talking
    answer = op.post(_transfer("c1"), payload)
    assert answer.status_code == status, answer.content
    assert field in answer.json()["error"]["fields"]
    assert not TransferOrder.objects.exists()


def test_only_the_agent_talking_on_the_call_may_transfer_it(talking, api_as):
    op, _edge = talking
    to_self = op.post(_transfer("c1"), {"to_agent": op.user.username})
    assert to_self.status_code == 422
    assert op.post(_transfer("c-unknown"), {"to_queue": "psy"}).status_code == 409
    stranger = api_as("operator")
    assert stranger.post(_transfer("c1"), {"to_queue": "psy"}).status_code == 403  # no agent
    colleague = Agent.objects.get(user__username="colleague")
    Call.objects.filter(call_id="c1").update(agent=colleague)
    assert op.post(_transfer("c1"), {"to_queue": "psy"}).status_code == 409
    assert not TransferOrder.objects.exists()


def test_an_order_nobody_took_in_time_is_never_carried_out(talking):
    op, edge = talking
    assert op.post(_transfer("c1"), {"to_number": "+7 495 000-00-00"}).status_code == 202
    assert TransferOrder.objects.get().to_number == "+74950000000"
    TransferOrder.objects.update(asked_at=timezone.now() - timedelta(seconds=31))
    assert edge.post(CLAIM, {"call_ids": ["c1"]}).json() == []
    assert op.post(_transfer("c1"), {"to_queue": "psy"}).status_code == 202  # asked anew


def test_the_toolbar_offers_the_transfer_on_a_call_and_asks_it(talking, client):
    op, _edge = talking
    client.force_login(op.user)
    page = client.get("/contactcenter/toolbar/").content.decode()
    assert 'name="call" value="c1"' in page and "Перевести" in page
    done = client.post("/contactcenter/toolbar/transfer/",
                       {"call": "c1", "kind": "to_queue", "target": "psy"})  # fmt: skip
    assert "Перевод запрошен" in done.content.decode()
    refused = client.post("/contactcenter/toolbar/transfer/",
                          {"call": "c1", "kind": "to_queue", "target": "psy"})  # fmt: skip
    assert refused.status_code == 200 and "уже запрошен" in refused.content.decode()
    assert TransferOrder.objects.count() == 1


def test_a_warm_transfer_consults_a_number_then_completes_or_returns(talking, client):
    op, edge = talking
    end = "/api/v1/contactcenter/calls/c1/consultation/end"
    assert op.post(end, {"complete": True}).status_code == 409  # nothing to end
    assert (
        op.post(_transfer("c1"), {"to_number": "+74951112233", "consult": True}).status_code == 202
    )
    assert op.post(end, {"complete": True}).status_code == 409  # not taken by the node yet
    (taken,) = edge.post(CLAIM, {"call_ids": ["c1"]}).json()
    assert (taken["step"], taken["to_number"]) == ("consult", "+74951112233")
    blind = op.post(_transfer("c1"), {"to_queue": "psy"})
    assert blind.status_code == 409 and "консультация" in blind.json()["error"]["message"]
    client.force_login(op.user)
    page = client.get("/contactcenter/toolbar/").content.decode()
    assert "Консультация с +74951112233" in page and "Соединить" in page
    back = client.post("/contactcenter/toolbar/consultation/", {"call": "c1", "complete": "0"})
    assert "Возвращаемся к абоненту" in back.content.decode()
    (returned,) = edge.post(CLAIM, {"call_ids": ["c1"]}).json()
    assert (returned["step"], returned["to_number"]) == ("return", "+74951112233")
    assert op.post(end, {"complete": True}).status_code == 409  # over
    steps = list(TransferOrder.objects.values_list("step", flat=True))
    assert steps == ["consult", "return"]
