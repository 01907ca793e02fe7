"""Our 2xx to an INVITE resent until its ACK (RFC 3261 §13.3.1.4), on the stand-in harness
(``callscene``: the node on loopback UDP, scripted phones), with short timers (T1, T2).

A phone that withholds its ACK gets our 2xx again, T1, 2*T1 … at most T2 apart, and no
more once it ACKs — for the call's first 200 and for a re-INVITE's. A phone that never
ACKs gets our BYE after 64*T1 and the call ends as any: Vmeste told once, nothing left
resending. A copy of an ACK (a phone ACKs every 2xx it gets) is not taken again: the
answer an offerless re-INVITE's ACK carries is applied once, so a late copy does not
aim our stream back at the port it left. Before the fix our 2xx went once, and every ACK
that came was applied."""

from __future__ import annotations

import asyncio
import itertools

from vmeste.telephony import sip, tasks
from vmeste.telephony.tests import callscene
from vmeste.telephony.tests.callscene import HOST, Peer, run, until
from vmeste.telephony.tests.test_reinvite import Leg, offer
from vmeste.telephony.useragent import resend_gaps

T1, T2 = 0.1, 0.4
QUICK = 0.05  # T1 where the test waits for 64*T1: 3.2 s


class Phone(Peer):
    """A caller whose phone notes when each of our 2xx to its INVITEs came."""

    def __init__(self) -> None:
        super().__init__()
        self.ok_at: dict[int, list[float]] = {}  # its INVITE's CSeq → when our 2xx came

    def datagram_received(self, data, addr) -> None:
        message = sip.parse(data)
        if not message.is_request and message.cseq[1] == "INVITE" and message.status == 200:
            at = asyncio.get_running_loop().time()
            self.ok_at.setdefault(message.cseq[0], []).append(at)
        super().datagram_received(data, addr)


async def _phone_scene(agents: list[str], t1: float = T1):
    app, vmeste, _caller, phones = await callscene.scene(agents)
    app.ua.T1, app.ua.T2 = t1, 4 * t1
    loop = asyncio.get_running_loop()
    _, caller = await loop.create_datagram_endpoint(Phone, local_addr=(HOST, 0))
    return app, vmeste, caller, phones


def gaps(times: list[float]) -> list[float]:
    return [round(later - earlier, 3) for earlier, later in itertools.pairwise(times)]


async def _withheld_then_acked() -> dict:
    """The caller's phone ACKs our first 200 only after its fifth sending, then holds (a
    re-INVITE) and ACKs that 200 after its third. When each came, and whether any came
    after the ACKs (a wait of twice T2)."""
    app, _vmeste, caller, _phones = await _phone_scene([])
    invite, ok, media = await callscene.dial(app, caller, ack=False)
    await until(lambda: len(caller.ok_at[1]) >= 5)
    caller.transport.sendto(callscene.ack_of(invite, ok).encode(), (HOST, app.ua.port))
    callscene.press(caller, media, "1")
    await until(lambda: app.callers[invite.call_id].state == "queue")
    leg = Leg(caller, app, invite.call_id, invite.get("from"), ok.get("to"))
    hold = leg.request("INVITE", offer(4200, "sendonly"))
    await leg.send(hold)
    await until(lambda: len(caller.ok_at[hold.cseq[0]]) >= 3)
    await leg.send(leg.request("ACK"))
    seen = {"first": list(caller.ok_at[1]), "hold": list(caller.ok_at[hold.cseq[0]])}
    await asyncio.sleep(2 * T2)
    seen["after"] = {cseq: len(times) for cseq, times in caller.ok_at.items()}
    seen["hold cseq"] = hold.cseq[0]
    seen["resending"] = len(app.ua.unacked)
    app.close()
    return seen


def test_a_2xx_is_resent_at_growing_intervals_until_the_phone_acks():
    seen = run(_withheld_then_acked())
    first, hold = gaps(seen["first"]), gaps(seen["hold"])
    # Never sooner than the schedule says (T1, 2*T1, 4*T1, T2: ``resend_gaps``); how much
    # later is the machine's, not the node's, so it is not asserted.
    for got, due in zip(first, resend_gaps(T1, T2), strict=False):
        assert got >= due * 0.8, (first, due)
    for got, due in zip(hold, resend_gaps(T1, T2), strict=False):
        assert got >= due * 0.8, (hold, due)
    assert (len(first), len(hold)) == (4, 2)
    # Once ACKed, neither 200 came again; nothing is resent any more.
    assert seen["after"] == {1: 5, seen["hold cseq"]: 3} and seen["resending"] == 0


async def _never_acked() -> dict:
    """The caller's phone never ACKs our 200; they choose the queue (nobody free). When our
    BYE came, what came after it, what Vmeste was told, what the node still holds."""
    app, vmeste, caller, _phones = await _phone_scene([], QUICK)
    before = tasks.running()
    loop = asyncio.get_running_loop()
    invite, _ok, media = await callscene.dial(app, caller, ack=False)
    dialled = loop.time()
    callscene.press(caller, media, "1")
    while (bye := await asyncio.wait_for(caller.requests.get(), 5)).method != "BYE":
        pass
    seen = {"bye after": loop.time() - dialled, "oks": len(caller.ok_at[1])}
    await callscene.settle(app)
    await asyncio.sleep(8 * QUICK)  # twice the longest interval (T2 = 4*T1)
    seen["oks after"] = len(caller.ok_at[1]) - seen["oks"]
    seen["bye"] = bye
    seen["told"] = callscene.kinds(vmeste)
    seen["ended"] = [e for e in vmeste.events if e[0] == "call_ended"]
    seen["held"] = (dict(app.callers), app.ua.unacked, invite.call_id in app.ua.in_dialog)
    await until(lambda: tasks.running() <= before)
    seen["more"] = [m.method for m in callscene.drain(caller)]
    app.close()
    return seen


def test_a_phone_that_never_acks_is_hung_up_after_64_t1_and_the_call_told_once():
    seen = run(_never_acked())
    assert 64 * QUICK <= seen["bye after"] <= 64 * QUICK + 1.0
    assert seen["oks"] >= 8 and seen["oks after"] == 0  # resent until the BYE, not after
    assert seen["bye"].get("to").endswith("tag=c")  # in the caller's dialog
    assert seen["told"] == ["call_offered", "call_ended"]  # offered, then ended: once
    assert seen["held"] == ({}, {}, False)
    assert seen["more"] == []  # one BYE, nothing else


async def _offerless_reinvite_acked_twice() -> dict:
    """A caller in the queue asks for our offer (a re-INVITE without one) and answers in
    the ACK with port A; the ACK comes again (a copy); then the phone moves to port B
    with a re-INVITE of its own; then the first ACK comes once more, late. Where our
    stream sends, after each."""
    app, _vmeste, caller, _phones = await _phone_scene([])
    invite, ok, media = await callscene.dial(app, caller)
    callscene.press(caller, media, "1")
    await until(lambda: app.callers[invite.call_id].state == "queue")
    stream = app.callers[invite.call_id].stream
    leg = Leg(caller, app, invite.call_id, invite.get("from"), ok.get("to"))
    seen = {}
    await leg.send(leg.request("INVITE"))
    answer_a = leg.request("ACK", offer(4300))
    await leg.send(answer_a)
    await until(lambda: stream.remote == (HOST, 4300))
    await leg.send(leg.request("INVITE", offer(4400)))
    await leg.send(leg.request("ACK"))
    seen["moved"] = stream.remote
    await leg.send(answer_a)  # the first ACK again, late: already taken
    probe = leg.request("OPTIONS")  # answered after the late ACK was read: it is behind us
    await leg.send(probe)
    seen["after the late copy"] = stream.remote
    app.close()
    return seen


def test_the_answer_in_an_offerless_reinvites_ack_is_applied_once():
    seen = run(_offerless_reinvite_acked_twice())
    assert seen["moved"] == (HOST, 4400)
    assert seen["after the late copy"] == (HOST, 4400)  # not sent back to the port it left


async def _agent_never_acks() -> dict:
    """A caller put through to Ivanova, whose phone then holds (a re-INVITE) and never
    ACKs our 200. What each phone got after, what Vmeste was told, what the node holds."""
    app, vmeste, caller, phones = await _phone_scene(["ivanova"], QUICK)
    invite, _ok, media = await callscene.dial(app, caller)
    callscene.press(caller, media, "1")
    await until(lambda: invite.call_id in app.callers)
    await until(lambda: app.callers[invite.call_id].state == "bridged")
    await asyncio.wait_for(caller.requests.get(), 5)  # our re-INVITE: Ivanova's offer
    await asyncio.wait_for(caller.requests.get(), 5)  # its ACK
    ring, _tag = phones.invites["ivanova"]
    first = callscene.agent_request(phones, "ivanova", "INVITE")
    to_agent = Leg(phones, app, ring.call_id, first.get("from"), first.get("to"))
    callscene.drain(phones)
    await to_agent.send(to_agent.request("INVITE", offer(4400, "sendonly")))
    while (bye := await asyncio.wait_for(phones.requests.get(), 5)).method != "BYE":
        pass
    await callscene.settle(app)
    seen = {
        "agent": bye.call_id == ring.call_id,
        "caller": [m.method for m in callscene.drain(caller)],
    }
    seen["told"] = callscene.kinds(vmeste)
    seen["held"] = (dict(app.callers), app.ua.unacked, sorted(app.ua.in_dialog))
    app.close()
    return seen


def test_an_agents_phone_that_never_acks_its_reinvites_200_is_hung_up_and_so_is_the_call():
    seen = run(_agent_never_acks())
    assert seen["agent"]  # our BYE in Ivanova's leg
    assert seen["caller"] == ["BYE"]  # the caller let go once, as when the agent hangs up
    assert seen["told"] == ["call_offered", "call_answered", "call_ended"]
    assert seen["held"] == ({}, {}, [])


def test_the_resending_schedule_doubles_from_t1_to_t2_within_64_t1():
    assert resend_gaps(0.5, 4.0) == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    assert sum(resend_gaps(0.5, 4.0)) < 32.0 <= sum(resend_gaps(0.5, 4.0)) + 4.0
    assert resend_gaps(T1, T2)[:5] == [T1, 2 * T1, 4 * T1, T2, T2]  # capped, not doubled
