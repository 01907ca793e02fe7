"""Callbacks over real SIP on loopback: Kamailio, rtpengine, the media application, SIPp
as the agent's phone and as the caller behind the phone network's gateway; Vmeste the live
server. Placed as given; and given to a node that never comes back, taken back after the
place limit by another node's heartbeat and placed by it."""

from __future__ import annotations

import urllib.request

from django.utils import timezone

from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import AgentStateChange, Call
from vmeste.contactcenter.services import change_agent_state
from vmeste.contactcenter.telephony import record_event
from vmeste.contactcenter.transitions import AgentEvent
from vmeste.telephony.services import set_sip_password
from vmeste.telephony.tests.sipedge import free_udp_ports, sipp
from vmeste.telephony.tests.test_sip_calls import (
    _edge,
    _register,
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


def _callback_phones(tmp_path, live_server):
    """The edge with a gateway, Ivanova's phone registered (answers) and the caller
    behind the gateway (``callee.xml``): the edge and the two SIPp."""
    ports = free_udp_ports(4)
    vmeste = live_server.url.replace("localhost", "127.0.0.1")
    urllib.request.urlopen(f"{vmeste}/healthz", timeout=30).close()
    sip_edge = _edge(tmp_path, vmeste, gateway=f"sip:127.0.0.1:{ports[2]}").start()
    try:
        _register(tmp_path, sip_edge, "ivanova", ports[0])
        phone = sipp(tmp_path, "agent.xml", name="phone-ivanova", port=ports[0],
                     media_port=ports[1], timeout=60)  # fmt: skip
        called = sipp(tmp_path, "callee.xml", name="called-back", port=ports[2],
                      media_port=ports[3], timeout=60)  # fmt: skip
    except BaseException:
        sip_edge.stop()
        raise
    return sip_edge, phone, called


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
