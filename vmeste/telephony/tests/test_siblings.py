"""Several media nodes behind one edge: Vmeste answers whichever node asked, so a node
passes the decisions about another node's callers on to its siblings."""

from __future__ import annotations

import asyncio

from vmeste.telephony import sip
from vmeste.telephony.callflow import MediaApplication
from vmeste.telephony.tests.callscene import (
    HOST,
    FakeVmeste,
    dial,
    hang_up,
    kinds,
    offered,
    press,
    run,
    scene,
    settle,
)
from vmeste.telephony.tests.sipedge import free_range, free_udp_ports


def test_an_agent_given_in_another_nodes_answer_rings_for_the_caller_here():
    async def scenario():
        here, vmeste, caller, phones = await scene([])  # nobody free when offered
        (port,) = free_udp_ports(1)
        there = MediaApplication(
            host=HOST, sip_port=port, rtp_ports=free_range(10), edge=(HOST, phones.port),
            vmeste=FakeVmeste([]), prompts=None, addresses=[(HOST, here.ua.port)],
        )  # fmt: skip
        await there.start()
        invite, ok, media = await dial(here, caller)
        press(caller, media, "1")
        await offered(vmeste)
        # An agent freed by a hang-up on the other node is given our caller, in its answer.
        there.on_answer({"rung": [{"call_id": invite.call_id, "agent": "ivanova"}]})
        reinvite = await asyncio.wait_for(caller.requests.get(), 10)
        hang_up(caller, here, invite, ok)
        await settle(here)
        here.close()
        there.close()
        return vmeste, phones.rung, reinvite

    vmeste, rung, reinvite = run(scenario())
    assert rung == ["ivanova"] and reinvite.method == "INVITE"
    assert kinds(vmeste) == ["call_offered", "call_answered", "call_ended"]


def test_a_message_that_is_not_a_siblings_decisions_is_refused():
    async def scenario():
        here, _vmeste, caller, _phones = await scene([])
        request = sip.Message(
            f"MESSAGE sip:media@{HOST}:{here.ua.port} SIP/2.0",
            [
                ("via", f"SIP/2.0/UDP {HOST}:{caller.port};branch={sip.new_branch()}"),
                ("from", f"<sip:x@{HOST}>;tag=x"),
                ("to", f"<sip:media@{HOST}>"),
                ("call-id", "m1@test"),
                ("cseq", "1 MESSAGE"),
            ],
            '{"rung": [{"call_id": "nobody"}]}',  # no agent
        )
        caller.transport.sendto(request.encode(), (HOST, here.ua.port))
        answer = await asyncio.wait_for(caller.responses.get(), 5)
        here.close()
        return answer.status

    assert run(scenario()) == 400
