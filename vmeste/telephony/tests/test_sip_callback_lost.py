"""A callback given to a media node that never comes back, placed by another one: real
SIP on loopback (Kamailio, rtpengine, the media application, SIPp phones), Vmeste the live
server. The ring's answer went to a node that is gone (here: nobody); once the place limit
has passed, the live node's heartbeat takes it back and is given it, and places it."""

from __future__ import annotations

import urllib.request

import pytest
from django.utils import timezone

from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import AgentStateChange, Call
from vmeste.contactcenter.services import change_agent_state
from vmeste.contactcenter.telephony import record_event
from vmeste.contactcenter.transitions import AgentEvent
from vmeste.telephony.services import set_sip_password
from vmeste.telephony.tests.sipedge import free_udp_ports, missing_binaries, sipp
from vmeste.telephony.tests.test_sip_calls import _edge, _register, _until

pytestmark = [
    pytest.mark.sip,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        bool(missing_binaries()),
        reason=f"Debian packages missing: {', '.join(missing_binaries())} (see .ci/run)",
    ),
]


def test_a_callback_of_a_node_gone_is_placed_by_another_after_the_limit(
    tmp_path, live_server, national, settings
):
    settings.CALLBACK_PLACE_SECONDS = 3600  # until the phones are there: nothing taken back
    agent = national["agents"]["ivanova"]
    set_sip_password(by=None, username="ivanova", password="phone-secret")
    offered = {"line": "we-are-together", "queue": "food", "centre": "nat",
               "caller_number": "79001112233"}  # fmt: skip
    for n, (kind, data) in enumerate(
        [("call_offered", offered), ("callback_requested", {}), ("call_ended", {})]
    ):
        record_event(event_id=f"lost{n}", type=kind, call_id="cb-2", at=timezone.now(), data=data)
    change_agent_state(agent=agent, event=AgentEvent.SIGN_IN)
    # Given to a node whose answer nobody hears (gone, or lost on the wire): ringing.
    assert [(r.call_id, r.callback) for r in dispatch().rung] == [("cb-2", True)]
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
        assert Call.objects.get(call_id="cb-2").state == Call.State.RINGING  # not placed
        settings.CALLBACK_PLACE_SECONDS = 1  # now past it: the next heartbeat (≤ 5 s)
        assert called.wait(60) == 0, sip_edge.log("media")[-3000:]
        assert phone.wait(20) == 0, sip_edge.log("kamailio")[-3000:]
        call = _until(lambda: Call.objects.filter(call_id="cb-2", state=Call.State.ENDED).first())
        assert call is not None, sip_edge.log("media")[-3000:]
        assert call.agent.user.username == "ivanova" and call.callback_attempts == 1
        assert call.answered_at is not None and call.talk_seconds > 0
        undone = AgentStateChange.objects.filter(agent=agent, text__contains="не сообщил")
        assert [(c.from_status, c.to_status) for c in undone] == [("ringing", "available")]
    finally:
        sip_edge.stop()
