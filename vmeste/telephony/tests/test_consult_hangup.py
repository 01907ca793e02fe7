"""An agent who puts the receiver down while consulting (an attended transfer's "hang up to
complete"), on the node's stand-in harness (``callscene``'s Vmeste, phones and caller
on loopback UDP): the caller goes to the specialist consulted, also when the specialist's
phone still rang and answers after; with nobody left to take them (the specialist's phone
busy once the agent is gone), the caller is told and let go. The real-SIP cases (Kamailio,
SIPp phones, an outside specialist behind the gateway): ``test_sip_consult.py``."""

from __future__ import annotations

import asyncio
import gc

from vmeste.telephony import sip
from vmeste.telephony.tests.callscene import (
    SPECIALIST,
    Peer,
    agent_request,
    consulting,
    drain,
    from_agent_phone,
    hang_up,
    kinds,
    run,
    settle,
    until,
    warm_order,
)


class SlowPeer(Peer):
    """Phones whose answer to the specialist's ring comes ``delay`` seconds late."""

    def __init__(self, busy: set[str], delay: float) -> None:
        super().__init__(busy)
        self.delay = delay

    def connection_made(self, transport) -> None:
        class Late:  # the transport, holding back what goes to the specialist's ring
            def __init__(self, real, delay: float) -> None:
                self.real, self.delay = real, delay

            def sendto(self, data: bytes, addr) -> None:
                if data.startswith(b"SIP/") and SPECIALIST.encode() in data:
                    asyncio.get_running_loop().call_later(self.delay, self.real.sendto, data, addr)
                else:
                    self.real.sendto(data, addr)

            def get_extra_info(self, name: str):
                return self.real.get_extra_info(name)

        super().connection_made(Late(transport, self.delay))


async def _consult_then_hang_up(busy: tuple[str, ...], *, ringing: bool):
    """Ivanova consults the specialist and hangs up: once they answered, or while their
    phone still rings (``ringing``: its answer, a 486 when ``busy``, comes half a second
    later). What Vmeste was told, what the node said to the caller, whom the caller was
    with, what the caller got, whether the caller was still held while the specialist's
    phone rang, the requests the phones got."""
    app, vmeste, caller, phones, invite, ok, me = await consulting(
        warm_order,
        busy,
        phone=lambda: SlowPeer(set(busy), delay=0.5),
        rung=SPECIALIST if ringing else "",
    )
    from_agent_phone(phones, app, "ivanova", "BYE")  # Ivanova puts the receiver down
    held = True
    if ringing:  # before the answer: the caller still waits for the specialist, on hold
        await asyncio.sleep(0.2)
        held = me.state == "consulting" and not me.gone.is_set()
    await until(lambda: me.state in ("bridged", "leaving"))
    with_whom = me.agent if me.state == "bridged" else ""
    if with_whom:
        await until(lambda: "call_transferred" in kinds(vmeste))
        hang_up(caller, app, invite, ok)
    await settle(app)
    app.close()
    at_phones = [m.method for m in drain(phones)]
    return vmeste, app.prompts.said, with_whom, [m.method for m in drain(caller)], held, at_phones


def test_the_agent_hanging_up_while_consulting_puts_the_caller_through():
    vmeste, _said, with_whom, at_caller, _held, at_phones = run(
        _consult_then_hang_up((), ringing=False)
    )
    assert with_whom == SPECIALIST
    # Put through to Ivanova, held (music), then put through to the specialist.
    assert at_caller == ["INVITE", "ACK"] * 3
    assert kinds(vmeste) == ["call_offered", "call_answered", "call_transferred", "call_ended"]
    assert vmeste.events[2][2] == {"to_number": SPECIALIST}
    assert "INVITE" in at_phones  # re-INVITEs: Ivanova's, the specialist's for a fresh offer


def test_the_agent_hanging_up_while_the_specialist_rings_puts_the_caller_through_after():
    """The specialist answers after Ivanova's phone is gone: their answer's offer goes to
    the caller straight away (before the fix, the node re-INVITEd Ivanova's gone leg and
    broke off)."""
    vmeste, _said, with_whom, at_caller, held, at_phones = run(
        _consult_then_hang_up((), ringing=True)
    )
    assert held and with_whom == SPECIALIST  # held for the specialist until they answered
    assert at_caller == ["INVITE", "ACK"] * 3
    assert kinds(vmeste) == ["call_offered", "call_answered", "call_transferred", "call_ended"]
    assert vmeste.events[2][2] == {"to_number": SPECIALIST}
    assert "INVITE" not in at_phones  # nobody re-INVITEd: not Ivanova, not the specialist


def test_with_nobody_left_to_take_them_the_caller_is_told_and_let_go():
    vmeste, said, with_whom, at_caller, held, _at_phones = run(
        _consult_then_hang_up((SPECIALIST,), ringing=True)
    )
    assert held and with_whom == ""  # held for the specialist until their phone said no
    assert said[-1] == "Не удалось соединить. Пожалуйста, перезвоните позже."
    assert at_caller[-1] == "BYE"  # hung up by the node, once told
    assert kinds(vmeste) == ["call_offered", "call_answered", "call_ended"]


class CrossingPeer(Peer):
    """Phones where Ivanova's hangs up as our ``nth`` re-INVITE of her leg reaches it: her
    BYE crosses it, and that re-INVITE is never answered (nor its resendings)."""

    def __init__(self, nth: int) -> None:
        super().__init__()
        self.nth, self.reinvites, self.hung_up = nth, set(), False

    def datagram_received(self, data, addr) -> None:
        message = sip.parse(data)
        ivanova = self.invites.get("ivanova", (None, ""))[0]
        if (message.is_request and message.method == "INVITE" and ivanova is not None
                and message.call_id == ivanova.call_id):  # fmt: skip
            self.reinvites.add(message.cseq[0])
            if self.hung_up:
                return  # resent: still no answer
            if len(self.reinvites) == self.nth:
                self.hung_up = True
                self.requests.put_nowait(message)
                self.transport.sendto(agent_request(self, "ivanova", "BYE").encode(), addr)
                return
        super().datagram_received(data, addr)


async def _crossed(nth: int):
    """Ivanova consults the specialist; her BYE crosses our ``nth`` re-INVITE of her leg:
    the one giving her the specialist's offer (1), or, once the specialist hung up, the
    one taking her back to the caller (2). Whom the caller was with, what the caller got,
    what Vmeste was told, what the node said, the transactions of the node still waiting
    at the end, the node's answers to Ivanova's BYE, the errors no task retrieved."""
    errors: list[dict] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, context: errors.append(context))
    app, vmeste, caller, phones, invite, ok, me = await consulting(
        warm_order, phone=lambda: CrossingPeer(nth), rung=SPECIALIST if nth == 1 else ""
    )
    if nth == 2:
        from_agent_phone(phones, app, SPECIALIST, "BYE")  # the specialist hangs up
    await until(lambda: me.state == "leaving" or (me.state == "bridged" and me.agent != "ivanova"))
    with_whom = me.agent if me.state == "bridged" else ""
    if with_whom:
        await until(lambda: "call_transferred" in kinds(vmeste))
        hang_up(caller, app, invite, ok)
    await settle(app)
    waiting = list(app.ua.waiting)
    app.close()
    gc.collect()  # a task that died unseen reports its exception as it goes
    ivanova = phones.invites["ivanova"][0].call_id
    answers = []
    while not phones.responses.empty():
        response = phones.responses.get_nowait()
        if response.call_id == ivanova and response.cseq[1] == "BYE":
            answers.append(response.status)
    said, at_caller = app.prompts.said, [m.method for m in drain(caller)]
    return with_whom, at_caller, kinds(vmeste), vmeste, said, waiting, answers, errors


def test_the_agents_bye_crossing_the_specialists_offer_puts_the_caller_through():
    """Ivanova's phone hangs up as our re-INVITE brings it the specialist's offer, and never
    answers it: the transfer completes as "hang up to complete" does (before the fix the
    re-INVITE's time-out killed the consultation, the caller left on hold)."""
    with_whom, at_caller, told, vmeste, _said, waiting, answers, errors = run(_crossed(1))
    assert with_whom == SPECIALIST
    assert at_caller == ["INVITE", "ACK"] * 3  # to Ivanova, on hold, to the specialist
    assert told == ["call_offered", "call_answered", "call_transferred", "call_ended"]
    assert vmeste.events[2][2] == {"to_number": SPECIALIST}
    assert answers == [200] and waiting == [] and errors == []


def test_the_agents_bye_crossing_the_way_back_lets_the_caller_go_told():
    """The specialist hangs up; Ivanova's phone hangs up as our re-INVITE takes her back to
    the caller, and never answers it: nobody is left, the caller is told and let go."""
    with_whom, at_caller, told, _vmeste, said, waiting, answers, errors = run(_crossed(2))
    assert with_whom == ""
    assert said[-1] == "Не удалось соединить. Пожалуйста, перезвоните позже."
    assert at_caller == ["INVITE", "ACK", "INVITE", "ACK", "BYE"]  # to Ivanova, held, let go
    assert told == ["call_offered", "call_answered", "call_ended"]
    assert answers == [200] and waiting == [] and errors == []
