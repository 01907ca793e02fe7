"""A phone's re-INVITE answered as RFC 3264 asks, on every leg the node holds (stand-in
harness, ``callscene``: the node on loopback UDP, scripted phones, real sockets for RTP).

A re-INVITE with an offer gets our answer in the 200: our media description in that
dialog, its origin's session id kept and its version one up (§8), the direction the offer
leaves us (§6.1: hold → recvonly, back → sendrecv). One without an offer gets our offer in
the 200, the answer in the ACK. On the caller's leg in the queue our own stream follows
(silent while held, aimed at the new address); once bridged, the leg is answered with the
other party's media, and the other phone is not re-INVITEd. Before the fix every one of
these got a 200 without SDP."""

from __future__ import annotations

import asyncio
import socket

from vmeste.telephony import offeranswer, sip
from vmeste.telephony.tests.callscene import (
    HOST,
    Peer,
    agent_request,
    consulting,
    dial,
    drain,
    press,
    run,
    scene,
    until,
    warm_order,
)
from vmeste.telephony.tests.sipedge import free_udp_ports


def offer(port: int, mode: str = "sendrecv", address: str = HOST) -> str:
    return sip.make_sdp(address, port, 77).replace("a=sendrecv", f"a={mode}")


def origin(body: str) -> tuple[str, int]:
    """(session id, version) of a description's o= line."""
    fields = next(line for line in body.splitlines() if line.startswith("o=")).split()
    return fields[1], int(fields[2])


def mode(body: str) -> str:
    modes = ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive")
    return next(line for line in body.splitlines() if line in modes)[2:]


def media(body: str) -> tuple[str, int]:
    parsed = sip.parse_sdp(body)
    return parsed.address, parsed.port


class Leg:
    """One side of a dialog with the node, as the test's phone: its requests, in order."""

    def __init__(self, peer: Peer, app, call_id: str, ours: str, theirs: str) -> None:
        self.peer, self.app, self.call_id = peer, app, call_id
        self.ours, self.theirs = ours, theirs  # From (ours, tagged), To (the node's)
        self.cseq = 10

    def request(self, method: str, body: str = "", branch: str = "") -> sip.Message:
        if method != "ACK":
            self.cseq += 1
        headers = [
            ("via", f"SIP/2.0/UDP {HOST}:{self.peer.port};branch={branch or sip.new_branch()}"),
            ("from", self.ours), ("to", self.theirs), ("call-id", self.call_id),
            ("cseq", f"{self.cseq} {method}"), ("contact", f"<sip:p@{HOST}:{self.peer.port}>"),
        ]  # fmt: skip
        if body:
            headers.append(("content-type", "application/sdp"))
        return sip.Message(f"{method} sip:media@{HOST}:{self.app.ua.port} SIP/2.0", headers, body)

    async def send(self, request: sip.Message) -> sip.Message:
        """The request sent; the node's final answer to it."""
        self.peer.transport.sendto(request.encode(), (HOST, self.app.ua.port))
        if request.method == "ACK":
            return request
        while True:
            answer = await asyncio.wait_for(self.peer.responses.get(), 5)
            if answer.cseq == request.cseq and answer.status >= 200:
                return answer


class Rtp(asyncio.DatagramProtocol):
    """Where a phone takes media: the packets that came."""

    def __init__(self) -> None:
        self.packets = 0

    def datagram_received(self, data, addr) -> None:
        self.packets += 1


async def _rtp() -> tuple[Rtp, int]:
    (port,) = free_udp_ports(1)
    loop = asyncio.get_running_loop()
    _, rtp = await loop.create_datagram_endpoint(
        Rtp, local_addr=(HOST, port), family=socket.AF_INET
    )
    return rtp, port


async def _in_the_queue():
    """A caller waiting in the queue (nobody free) holds, comes back, moves, asks for our
    offer. Every answer of the node and what our stream did."""
    app, _vmeste, caller, _phones = await scene([])
    invite, ok, ours = await dial(app, caller)
    press(caller, ours, "1")
    await until(
        lambda: invite.call_id in app.callers and app.callers[invite.call_id].state == "queue"
    )
    stream = app.callers[invite.call_id].stream
    leg = Leg(caller, app, invite.call_id, invite.get("from"), ok.get("to"))
    first, second = await _rtp(), await _rtp()
    seen = {"first": ok.body}
    only_pcma = offer(first[1], "sendonly").replace(" 8 0 101", " 8 101")
    hold = leg.request("INVITE", only_pcma.replace("a=rtpmap:0 PCMU/8000\r\n", ""))
    seen["hold"] = await leg.send(hold)
    seen["hold again"] = await leg.send(hold)  # resent (our 200 lost): the same answer
    await leg.send(leg.request("ACK"))
    sent, at = stream.seq, stream.timestamp
    await until(lambda: stream.timestamp - at >= 10 * 160)  # ten frames' time on our clock
    seen["sent while held"] = stream.seq - sent
    seen["back"] = await leg.send(leg.request("INVITE", offer(first[1])))
    await leg.send(leg.request("ACK"))
    await until(lambda: first[0].packets >= 3)  # the music reaches the phone's new port
    seen["asked"] = await leg.send(leg.request("INVITE"))
    await leg.send(leg.request("ACK", offer(second[1])))  # the answer, in the ACK
    await until(lambda: second[0].packets >= 3)
    seen["stream"] = stream.port
    app.close()
    return seen


def test_a_caller_in_the_queue_holding_and_coming_back_gets_sdp_answers():
    seen = run(_in_the_queue())
    session, version = origin(seen["first"])
    hold, back, asked = seen["hold"], seen["back"], seen["asked"]
    assert [hold.status, back.status, asked.status] == [200, 200, 200]
    assert origin(hold.body) == (session, version + 1)  # the same session, one version up
    assert mode(hold.body) == "recvonly" and media(hold.body) == (HOST, seen["stream"])
    assert hold.get("contact")  # a 2xx to an INVITE names where to reach us
    assert "RTP/AVP 8 101\r\n" in hold.body and "PCMU" not in hold.body  # the offer's only
    assert "RTP/AVP 8 0 101\r\n" in seen["back"].body  # our whole description again
    assert seen["hold again"].encode() == hold.encode()
    assert seen["sent while held"] == 0  # nothing sent to a phone that holds us
    assert origin(back.body) == (session, version + 2) and mode(back.body) == "sendrecv"
    # No offer in the re-INVITE: ours in the 200, the whole description, sendrecv.
    assert origin(asked.body) == (session, version + 3) and mode(asked.body) == "sendrecv"
    assert media(asked.body) == (HOST, seen["stream"])


async def _bridged():
    """A caller put through to Ivanova; the caller's phone holds, then Ivanova's holds and
    asks for our offer. The node's answers; what the other phone got meanwhile."""
    app, _vmeste, caller, phones = await scene(["ivanova"])
    invite, ok, ours = await dial(app, caller)
    press(caller, ours, "1")
    await until(
        lambda: invite.call_id in app.callers and app.callers[invite.call_id].state == "bridged"
    )
    bridge = await asyncio.wait_for(caller.requests.get(), 5)  # our re-INVITE: Ivanova's offer
    drain(caller)
    drain(phones)
    to_caller = Leg(caller, app, invite.call_id, invite.get("from"), ok.get("to"))
    ring, _tag = phones.invites["ivanova"]
    first = agent_request(phones, "ivanova", "INVITE")
    to_agent = Leg(phones, app, ring.call_id, first.get("from"), first.get("to"))
    seen = {"first": ok.body, "bridge": bridge.body}
    seen["caller holds"] = await to_caller.send(
        to_caller.request("INVITE", offer(4300, "sendonly"))
    )
    await to_caller.send(to_caller.request("ACK"))
    seen["agent holds"] = await to_agent.send(to_agent.request("INVITE", offer(4400, "inactive")))
    await to_agent.send(to_agent.request("ACK"))
    seen["agent asks"] = await to_agent.send(to_agent.request("INVITE"))
    await to_agent.send(to_agent.request("ACK", offer(4400)))
    seen["ack to ivanova"] = app.callers[invite.call_id].acks[ring.call_id].body
    seen["others"] = [m.method for m in drain(caller) + drain(phones) if m.method != "ACK"]
    app.close()
    return seen


def test_bridged_legs_are_answered_with_the_other_partys_media():
    seen = run(_bridged())
    session, version = origin(seen["first"])
    caller_holds = seen["caller holds"]
    # The caller's leg: Ivanova's media (as relayed when bridging), in our session.
    assert origin(seen["bridge"]) == (session, version + 1)
    assert origin(caller_holds.body) == (session, version + 2)
    assert media(caller_holds.body) == media(seen["bridge"]) == (HOST, 4000)
    assert mode(caller_holds.body) == "recvonly"
    # Ivanova's leg: the caller's media (their answer, given in our ACK), in that session.
    agent_holds, agent_asks = seen["agent holds"], seen["agent asks"]
    session, version = origin(seen["ack to ivanova"])
    assert media(agent_holds.body) == media(seen["ack to ivanova"]) == (HOST, 4002)
    assert (
        origin(agent_holds.body) == (session, version + 1) and mode(agent_holds.body) == "inactive"
    )
    assert origin(agent_asks.body) == (session, version + 2) and mode(agent_asks.body) == "sendrecv"
    assert seen["others"] == []  # answered by the node: neither phone re-INVITEd


def test_the_direction_answered_to_each_offered_one():
    """§6.1, from our sendrecv: what the offerer sends we take, what it takes we send; an
    old-style hold (c=0.0.0.0) takes nothing. A description of ours that only receives
    (a relayed one) never sends, whatever the offer."""
    answered = {
        offered: offeranswer.answering(offeranswer.direction(offer(4000, offered)), "sendrecv")
        for offered in ("sendrecv", "sendonly", "recvonly", "inactive")
    }
    assert answered == {"sendrecv": "sendrecv", "sendonly": "recvonly",
                        "recvonly": "sendonly", "inactive": "inactive"}  # fmt: skip
    assert offeranswer.direction(offer(4000, address="0.0.0.0")) == "sendonly"
    assert offeranswer.answering("sendrecv", "recvonly") == "recvonly"


def test_an_offer_with_no_format_of_ours_is_refused_and_the_session_kept():
    ours = sip.make_sdp(HOST, 4000, 1)
    assert offeranswer.formats_of(ours, [18]) is None  # G.729 only: 488, nothing changed
    kept = offeranswer.formats_of(ours, [0, 101])
    assert "RTP/AVP 0 101\r\n" in kept and "PCMA" not in kept and "a=fmtp:101 0-16" in kept


def test_a_caller_put_back_on_our_music_hears_it_where_their_answer_says():
    """Ivanova consults: the caller is re-INVITEd onto our music; their phone's answer
    names where it takes media now (the harness's phone: port 4002, not the 4100 of its
    INVITE), and the music goes there."""

    async def scene_() -> tuple:
        app, _vmeste, _caller, _phones, _invite, _ok, me = await consulting(warm_order)
        where, held = me.stream.remote, me.stream.held
        app.close()
        return where, held

    assert run(scene_()) == ((HOST, 4002), False)
