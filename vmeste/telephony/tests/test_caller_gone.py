"""A caller gone before the node is done with them: nothing waits for good, nobody is
hung up or re-INVITEd twice, Vmeste is told of the call once. On the stand-in harness
(``callscene``: the node on loopback UDP, scripted phones that answer as real ones do).

Before the fix a goodbye said to a caller whose stream was closed waited for good
(nothing ticks a closed stream), and a consultation whose specialist's ring the caller's
hang-up cut went on: the agent's phone, hung up by the call's end, was re-INVITEd (481),
and the node's goodbye to the gone caller never ended — a task left behind per call."""

from __future__ import annotations

import asyncio

import pytest

from vmeste.telephony import sip, tasks
from vmeste.telephony.tests import callscene
from vmeste.telephony.tests.callscene import HOST, SPECIALIST, Peer, run, until


class RealPhones(Peer):
    """The phones, strict as real ones: a request in a dialog that ended (a BYE went
    through) gets 481; the consulted phone rings (180) until cancelled (200, then 487)."""

    def __init__(self, busy: set[str] = frozenset()) -> None:
        super().__init__(busy)
        self.ended: set[str] = set()
        self.ringing: dict[str, tuple[sip.Message, str]] = {}

    def datagram_received(self, data, addr) -> None:
        message = sip.parse(data)
        if not message.is_request or message.method == "ACK":
            return super().datagram_received(data, addr)
        if message.call_id in self.ended:
            self.requests.put_nowait(message)
            return self._reply(message, 481, addr)
        if message.method == "CANCEL" and message.call_id in self.ringing:
            self.requests.put_nowait(message)
            self._reply(message, 200, addr)
            invite, tag = self.ringing.pop(message.call_id)
            return self._reply(invite, 487, addr, tag)
        consulted = sip.user_of(message.uri) in (SPECIALIST, "sidorova")
        if message.method == "INVITE" and consulted and not sip.tag(message.get("to")):
            self.rung.append(sip.user_of(message.uri))
            self.ringing[message.call_id] = (message, sip.new_tag())
            return self._reply(message, 180, addr, self.ringing[message.call_id][1])
        if message.method == "BYE":
            self.ended.add(message.call_id)
        super().datagram_received(data, addr)

    def _reply(self, request: sip.Message, status: int, addr, tag: str = "") -> None:
        self.transport.sendto(sip.reply(request, status, to_tag=tag).encode(), addr)


async def _goodbye_after_the_caller_hung_up() -> tuple[bool, list[str], list[str]]:
    """A caller hangs up in the menu; the call's end done (its stream closed), the node is
    asked to say goodbye to them. Whether it returned, what the caller got after their
    BYE's answer, what Vmeste was told."""
    app, vmeste, caller, _phones = await callscene.scene([])
    invite, ok, _media = await callscene.dial(app, caller)
    await until(lambda: invite.call_id in app.callers)
    me = app.callers[invite.call_id]
    callscene.hang_up(caller, app, invite, ok)
    await callscene.settle(app)
    assert me.stream not in app.ua.streams  # closed with the call's end
    callscene.drain(caller)
    try:
        await asyncio.wait_for(me.say_and_hang_up("До свидания."), 2)
        returned = True
    except TimeoutError:
        returned = False
    await round_trip(caller, app)
    app.close()
    return returned, [m.method for m in callscene.drain(caller)], callscene.kinds(vmeste)


def test_a_goodbye_to_a_caller_whose_stream_is_closed_returns_at_once():
    returned, at_caller, told = run(_goodbye_after_the_caller_hung_up())
    assert returned  # before: it waited for good on a stream nothing ticks
    assert at_caller == []  # no BYE to a caller who hung up
    assert told == ["call_ended"]  # the hang-up in the menu, told once


def test_a_prompt_on_a_closed_stream_ends_at_once():
    async def played() -> tuple[bool, bool]:
        app, _vmeste, _caller, _phones = await callscene.scene([])
        stream = await app.ua.open_stream()
        playing = stream.play(b"\x55" * 1600)
        app.ua.close_stream(stream)  # the leg's end while it played
        later = stream.play(b"\x55" * 1600)  # asked for after the end
        app.close()
        return playing.done(), later.done()

    assert run(played()) == (True, True)


def _colleague(invite: sip.Message, step: str) -> list[dict]:
    return [{"call_id": invite.call_id, "step": step, "to_queue": "psy",
             "to_agent": "sidorova", "to_number": "", "asked_by": "ivanova"}]  # fmt: skip


async def _hang_up_while_the_consulted_phone_rings(orders):
    """Ivanova consults (``orders``); the caller hangs up while the consulted phone still
    rings. The node's tasks left once it holds nothing, what the caller got after hanging
    up, what Ivanova's leg got, what the consulted phone got, what Vmeste was told."""
    before = tasks.running()
    target = orders(sip.Message("X"), "consult")[0]
    rung = target["to_number"] or target["to_agent"]
    app, vmeste, caller, phones, invite, ok, _me = await callscene.consulting(
        orders, phone=RealPhones, rung=rung
    )
    callscene.drain(caller)  # put through to Ivanova, then back on our music while she consults
    ivanova = phones.invites["ivanova"][0].call_id
    callscene.hang_up(caller, app, invite, ok)
    await callscene.settle(app)
    await until(lambda: tasks.running() == before)  # before: the goodbye's task, for good
    await round_trip(caller, app)
    await round_trip(phones, app)
    at_phones = callscene.drain(phones)
    app.close()
    return (
        [m.method for m in callscene.drain(caller)],
        [m.method for m in at_phones if m.call_id == ivanova],
        [m.method for m in at_phones if m.call_id not in (ivanova, invite.call_id)],
        vmeste.events,
    )


async def round_trip(peer: Peer, app) -> None:
    """An OPTIONS of the peer's answered by the node: whatever the node sent the peer
    before (its socket to the peer's, in order on loopback) has been heard by then."""
    probe = sip.Message(
        f"OPTIONS sip:media@{HOST}:{app.ua.port} SIP/2.0",
        [("via", f"SIP/2.0/UDP {HOST}:{peer.port};branch={sip.new_branch()}"),
         ("from", "<sip:probe@h>;tag=p"), ("to", "<sip:media@h>"),
         ("call-id", sip.new_tag()), ("cseq", "1 OPTIONS")],
    )  # fmt: skip
    peer.transport.sendto(probe.encode(), (HOST, app.ua.port))
    while (await asyncio.wait_for(peer.responses.get(), 5)).call_id != probe.call_id:
        pass


@pytest.mark.parametrize("orders", [callscene.warm_order, _colleague], ids=["number", "colleague"])
def test_a_caller_hanging_up_while_the_consulted_phone_rings_ends_the_call_once(orders):
    at_caller, at_ivanova, at_consulted, told = run(
        _hang_up_while_the_consulted_phone_rings(orders)
    )
    assert at_caller == []  # neither hung up again nor re-INVITEd after their BYE
    assert at_ivanova == ["ACK", "BYE"]  # hung up once by the call's end, never re-INVITEd
    assert at_consulted == ["CANCEL", "ACK"]  # the ring stopped (its 487 ACKed)
    assert [e[0] for e in told] == ["call_offered", "call_answered", "call_ended"]


def test_the_strict_phones_answer_481_in_an_ended_dialog():
    """The harness's phones themselves: a request after the dialog's BYE gets 481."""

    async def scene_() -> list[int]:
        loop = asyncio.get_running_loop()
        _, phones = await loop.create_datagram_endpoint(RealPhones, local_addr=(HOST, 0))
        _, me = await loop.create_datagram_endpoint(Peer, local_addr=(HOST, 0))
        statuses = []
        for method in ("BYE", "INVITE"):
            request = sip.Message(
                f"{method} sip:x@{HOST}:{phones.port} SIP/2.0",
                [("via", f"SIP/2.0/UDP {HOST}:{me.port};branch={sip.new_branch()}"),
                 ("from", "<sip:a@h>;tag=a"), ("to", "<sip:b@h>;tag=b"), ("call-id", "d-9"),
                 ("cseq", f"1 {method}")],
            )  # fmt: skip
            me.transport.sendto(request.encode(), (HOST, phones.port))
            statuses.append((await asyncio.wait_for(me.responses.get(), 5)).status)
        return statuses

    assert run(scene_()) == [200, 481]
