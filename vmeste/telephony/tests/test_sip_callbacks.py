"""Callbacks over real SIP on loopback: Kamailio, rtpengine, the media application, SIPp
as the agent's phone and as the caller behind the phone network's gateway; Vmeste the live
server. Placed as given; and given to a node that never comes back, taken back after the
place limit by another node's heartbeat and placed by it."""

from __future__ import annotations

from django.utils import timezone

from vmeste.accounts.services import issue_token
from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import Agent, AgentStateChange, Call, TransferOrder
from vmeste.contactcenter.services import change_agent_state
from vmeste.contactcenter.telephony import record_event
from vmeste.contactcenter.transitions import AgentEvent, AgentState
from vmeste.telephony.services import set_sip_password
from vmeste.telephony.tests.test_sip_calls import (
    _ask,
    _gateway_phones,
    _until,
    pytestmark,  # noqa: F401  (sip, live server)
)


def test_a_callback_rings_the_agent_then_reaches_the_caller(tmp_path, live_server, national):
    """A caller who took the callback offer left the line; when Vmeste gives the call to
    Ivanova, the media application rings her phone, then dials the caller through the
    phone network's gateway (a SIPp UAS): they talk, the caller hangs up, each step told."""
    agent = national["agents"]["ivanova"]
    _wants_callback("cb-1")
    assert Call.objects.get(call_id="cb-1").state == Call.State.WAITING  # kept their place
    sip_edge, phone, called = _callback_phones(tmp_path, live_server)
    try:
        change_agent_state(agent=agent, event=AgentEvent.SIGN_IN)  # the heartbeat gives it
        _called_back(sip_edge, phone, called, "cb-1")
    finally:
        sip_edge.stop()


def _wants_callback(call_id: str) -> None:
    """A caller of the food queue who took the callback offer and left the line."""
    set_sip_password(by=None, username="ivanova", password="phone-secret")
    offered = {"line": "we-are-together", "queue": "food", "centre": "nat",
               "caller_number": "79001112233"}  # fmt: skip
    for n, (kind, data) in enumerate(
        [("call_offered", offered), ("callback_requested", {}), ("call_ended", {})]
    ):
        record_event(event_id=f"{call_id}-{n}", type=kind, call_id=call_id, at=timezone.now(),
                     data=data)  # fmt: skip


def _callback_phones(tmp_path, live_server, callee: str = "callee.xml", agents=("ivanova",)):
    """The edge with a gateway, the ``agents``' phones registered (they answer) and the
    caller behind the gateway (``callee``): the edge, Ivanova's SIPp and the caller's (the
    others' in ``sip_edge.phones``)."""
    sip_edge, called = _gateway_phones(tmp_path, live_server, callee, far_name="called-back",
                                       phones=dict.fromkeys(agents, "agent.xml"))  # fmt: skip
    return sip_edge, sip_edge.phones["ivanova"], called


def _called_back(sip_edge, phone, called, call_id: str) -> Call:
    """The callback placed: Ivanova's phone, then the caller's; they talked, it ended."""
    assert called.wait(60) == 0, sip_edge.log("media")[-3000:]
    assert phone.wait(20) == 0, sip_edge.log("kamailio")[-3000:]
    call = _until(lambda: Call.objects.filter(call_id=call_id, state=Call.State.ENDED).first())
    assert call is not None, sip_edge.log("media")[-3000:]
    assert call.agent.user.username == "ivanova" and call.callback_attempts == 1
    assert call.answered_at is not None and call.talk_seconds > 0
    assert any("79001112233" in line for line in called.received("INVITE "))
    return call


def test_a_callback_of_a_node_gone_is_placed_by_another_after_the_limit(
    tmp_path, live_server, national, settings
):
    """The ring's answer went to a node that is gone (here: nobody heard it); once the
    place limit has passed, the live node's heartbeat takes it back, is given it, and
    places it."""
    settings.CALLBACK_PLACE_SECONDS = 3600  # until the phones are there: nothing taken back
    agent = national["agents"]["ivanova"]
    _wants_callback("cb-2")
    change_agent_state(agent=agent, event=AgentEvent.SIGN_IN)
    # Given to a node whose answer nobody hears (gone, or lost on the wire): ringing.
    assert [(r.call_id, r.callback) for r in dispatch().rung] == [("cb-2", True)]
    sip_edge, phone, called = _callback_phones(tmp_path, live_server)
    try:
        assert Call.objects.get(call_id="cb-2").state == Call.State.RINGING  # not placed
        settings.CALLBACK_PLACE_SECONDS = 1  # now past it: the next heartbeat (≤ 5 s)
        _called_back(sip_edge, phone, called, "cb-2")
        undone = AgentStateChange.objects.filter(agent=agent, text__contains="не сообщил")
        assert [(c.from_status, c.to_status) for c in undone] == [("ringing", "available")]
    finally:
        sip_edge.stop()


def test_a_callback_transferred_from_the_site_rings_an_agent_of_that_queue(
    tmp_path, live_server, national, one_request_at_a_time
):
    """Ivanova's callback reaches the caller; from the call card she transfers them to the
    psychologists: the media node takes the order, hangs her phone up, puts the caller
    back on our music (a re-INVITE) and Sidorova's phone rings and takes them. One call,
    hers, in «psy», one transfer; Ivanova in wrap-up."""
    agents = national["agents"]
    _wants_callback("cb-3")
    set_sip_password(by=None, username="sidorova", password="phone-secret")
    sip_edge, phone, called = _callback_phones(
        tmp_path, live_server, "callee_transferred.xml", agents=("ivanova", "sidorova")
    )
    try:
        for username in ("sidorova", "ivanova"):  # the callback is food's: Ivanova's
            change_agent_state(agent=agents[username], event=AgentEvent.SIGN_IN)
        talking = _until(lambda: Call.objects.filter(call_id="cb-3", state="answered").first())
        assert talking is not None, sip_edge.log("media")[-3000:]
        _ask(sip_edge.vmeste, issue_token(username="ivanova"), "cb-3/transfer",
             {"to_queue": "psy"})  # fmt: skip
        media = sip_edge.log("media")[-3000:]
        assert called.wait(60) == 0, media
        assert phone.wait(20) == 0, media  # hung up by the media node
        assert sip_edge.phones["sidorova"].wait(20) == 0, media
        call = _until(lambda: Call.objects.filter(call_id="cb-3", state="ended").first())
        assert call is not None, sip_edge.log("media")[-3000:]
        assert (call.agent.user.username, call.queue.code) == ("sidorova", "psy")
        assert call.folded["summary"]["transfers"] == 1 and call.callback_attempts == 1
        assert call.talk_seconds > 0 and Call.objects.count() == 1
        assert Agent.objects.get(pk=agents["ivanova"].pk).state == AgentState.WRAP_UP
        assert TransferOrder.objects.get().taken_at is not None
    finally:
        sip_edge.stop()
