"""An agent's phone must never be left holding a call nobody else knows of (issue 14's
double rings): a caller who hangs up while the phone rings cancels the ring, and a phone
whose answer crossed that CANCEL (or came after the ring's time-out) is answered with an ACK
and let go with a BYE at once. Otherwise Vmeste, told the caller is gone, frees the agent
and rings the phone with the next call while it still holds the last one."""

from __future__ import annotations

import asyncio

import pytest

from vmeste.telephony import legs, sip
from vmeste.telephony.tests.callscene import (
    HOST,
    Peer,
    dial,
    hang_up,
    kinds,
    press,
    run,
    scene,
    settle,
)


class RingingPhone(Peer):
    """An agent's phone that rings (180) and answers only when the test says so."""

    def __init__(self) -> None:
        super().__init__()
        self.ringing: dict[str, tuple[sip.Message, tuple, str]] = {}  # agent → INVITE

    def datagram_received(self, data, addr) -> None:
        message = sip.parse(data)
        if message.is_request and message.method == "INVITE" and not sip.tag(message.get("to")):
            agent = sip.user_of(message.uri)
            self.rung.append(agent)
            tag = sip.new_tag()
            self.ringing[agent] = (message, addr, tag)
            self._send(sip.reply(message, 180, to_tag=tag), addr)
            return
        if message.is_request and message.method == "CANCEL":
            self._send(sip.reply(message, 200), addr)  # the INVITE's 487 is left out
            self.requests.put_nowait(message)
            return
        super().datagram_received(data, addr)

    def answer(self, agent: str) -> None:
        """The phone picks up: its 200 for the INVITE, whatever happened meanwhile."""
        invite, addr, tag = self.ringing[agent]
        contact = f"sip:{agent}@{HOST}:{self.port}"
        body = sip.make_sdp(HOST, 4000, 1)
        self._send(sip.reply(invite, 200, to_tag=tag, contact=contact, body=body), addr)

    def _send(self, message: sip.Message, addr) -> None:
        self.transport.sendto(message.encode(), addr)


async def _ringing(app, phones: RingingPhone):
    """A caller who chose «1» while Ivanova's phone rings."""
    loop = asyncio.get_running_loop()
    _, caller = await loop.create_datagram_endpoint(Peer, local_addr=(HOST, 0))
    invite, ok, media = await dial(app, caller)
    press(caller, media, "1")
    async with asyncio.timeout(4):
        while not phones.rung:
            await asyncio.sleep(0.02)
    assert phones.rung == ["ivanova"]
    return caller, invite, ok


async def _requests(phones: Peer, count: int) -> list[str]:
    return [(await asyncio.wait_for(phones.requests.get(), 5)).method for _ in range(count)]


async def _with_ringing_phone(scenario):
    app, vmeste, _caller, phones = await scene(["ivanova"], phone=RingingPhone)
    try:
        return await scenario(app, vmeste, phones)
    finally:
        await settle(app)
        app.close()
        phones.transport.close()


@pytest.mark.parametrize("ringing", [0.1, 1.0])  # seconds: before and after the INVITE's
def test_a_caller_who_hangs_up_while_the_phone_rings_cancels_the_ring(ringing):  # first resend
    async def scenario(app, vmeste, phones):
        caller, invite, ok = await _ringing(app, phones)
        await asyncio.sleep(ringing)
        hang_up(caller, app, invite, ok)
        return await _requests(phones, 1), vmeste

    told, vmeste = run(_with_ringing_phone(scenario))
    assert told == ["CANCEL"]
    assert kinds(vmeste) == ["call_offered", "call_ended"]


def test_an_answer_that_crossed_the_cancel_is_acknowledged_and_hung_up():
    async def scenario(app, vmeste, phones):
        caller, invite, ok = await _ringing(app, phones)
        hang_up(caller, app, invite, ok)
        cancel = await _requests(phones, 1)
        phones.answer("ivanova")  # sent before the CANCEL reached the phone
        return cancel + await _requests(phones, 2)

    assert run(_with_ringing_phone(scenario)) == ["CANCEL", "ACK", "BYE"]


def test_an_answer_after_the_rings_time_out_is_acknowledged_and_hung_up(monkeypatch):
    monkeypatch.setattr(legs, "RING_SECONDS", 0.5)

    async def scenario(app, vmeste, phones):
        await _ringing(app, phones)
        cancel = await _requests(phones, 1)  # not answered in time: cancelled
        phones.answer("ivanova")
        return cancel + await _requests(phones, 2), vmeste

    told, vmeste = run(_with_ringing_phone(scenario))
    assert told == ["CANCEL", "ACK", "BYE"]
    assert ("agent_state", "ivanova", "no_answer") in vmeste.events


class RefusingCaller(Peer):
    """A caller whose phone refuses the re-INVITE that would put the agent through."""

    def datagram_received(self, data, addr) -> None:
        message = sip.parse(data)
        if message.is_request and message.method == "INVITE":
            self.transport.sendto(sip.reply(message, 488).encode(), addr)
            self.requests.put_nowait(message)
            return
        super().datagram_received(data, addr)


def test_a_caller_who_cannot_be_put_through_ends_the_call_and_frees_the_phone():
    async def scenario():
        app, vmeste, _caller, phones = await scene(["ivanova"])
        loop = asyncio.get_running_loop()
        _, caller = await loop.create_datagram_endpoint(RefusingCaller, local_addr=(HOST, 0))
        _invite, _ok, media = await dial(app, caller)
        press(caller, media, "1")
        told_caller = await _requests(caller, 3)  # the re-INVITE, its ACK, the BYE
        told_phone = await _requests(phones, 2)
        await settle(app)
        app.close()
        return told_caller, told_phone, vmeste

    told_caller, told_phone, vmeste = run(scenario())
    assert told_caller == ["INVITE", "ACK", "BYE"]
    assert told_phone == ["ACK", "BYE"]  # answered, then let go
    assert kinds(vmeste) == ["call_offered", "call_ended"]  # Vmeste frees the agent


def test_a_caller_put_through_gets_no_more_packets_from_us():
    async def scenario():
        app, _vmeste, caller, _phones = await scene(["ivanova"])
        invite, ok, media = await dial(app, caller)
        press(caller, media, "1")
        await _requests(caller, 2)  # the re-INVITE with the agent's offer, its ACK
        stream = app.callers[invite.call_id].stream
        sent = stream.seq
        await asyncio.sleep(0.3)  # 15 frames' time
        quiet = stream.seq == sent
        hang_up(caller, app, invite, ok)
        await settle(app)
        app.close()
        return quiet

    assert run(scenario())


def test_an_answer_that_comes_again_gets_the_same_ack():
    """A phone resends its 200 until it hears our ACK (late under load): each resend gets
    the same ACK, not a new one the phone would take for a stray request."""

    async def scenario(app, vmeste, phones):
        caller, invite, ok = await _ringing(app, phones)
        phones.answer("ivanova")
        first = await asyncio.wait_for(phones.requests.get(), 5)
        phones.answer("ivanova")  # the 200 again: our ACK was late
        again = await asyncio.wait_for(phones.requests.get(), 5)
        hang_up(caller, app, invite, ok)
        return first, again

    first, again = run(_with_ringing_phone(scenario))
    assert first.method == again.method == "ACK"
    assert first.encode() == again.encode()
