"""Warm transfer, asked from the site: consult, then complete or return. The target is an
outside number (rung through the gateway) or a colleague Vmeste reserved (``to_agent``:
their registered phone, rung through the edge as any agent's ring). We hold every leg
(RFC 3725 flow I, again), so nothing is asked of the phones but re-INVITEs:

- **consult**: the caller back on our media (music), the target rung through the edge, its
  offer given to the agent's phone by a re-INVITE and the agent's answer to the target:
  the agent and the specialist (or colleague) talk, the caller waits.
- **complete** («Соединить», or the agent's phone hanging up while they consult: an
  attended transfer's "hang up to complete"): an INVITE without an offer to the target (a
  fresh offer), given to the caller; the agent's phone hung up; ``call_transferred
  to_number`` (the call leaves the routing core there, as a blind transfer out does), or
  ``to_agent`` with ``warm`` (the call is the colleague's now); we stay in the signalling
  path. Before the target answers, once they do: «Соединить» waits for the answer; with
  the agent's phone hung up by then, the answer's own offer goes to the caller.
- **return**, or the target hanging up, or not answering: their leg ended, an INVITE
  without an offer to the agent's phone and its offer given to the caller: back together.

A colleague's side is told to Vmeste as ``consult`` events (``answered``, ``failed``: busy
or no answer, ``over``), which free them or keep them reserved; a caller who hangs up
meanwhile frees them through the call's own ``call_ended``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from vmeste.telephony import legs, offeranswer, sip
from vmeste.telephony.edgeclient import VmesteUnavailable
from vmeste.telephony.tasks import spawn
from vmeste.telephony.useragent import Dialog, uac_dialog

if TYPE_CHECKING:
    from vmeste.telephony.callflow import Caller

log = logging.getLogger("vmeste.telephony.media")


async def consult(caller: Caller, order: dict, hold) -> None:
    """The caller held (``hold``: the blind transfer's own re-INVITE back onto our media),
    the order's number or colleague rung and put through to the agent."""
    if caller.state != "bridged" or caller.agent_leg is None:
        return
    number = caller.consult_target = target(order)
    caller.consult_agent = "" if order.get("to_number") else number
    caller.consult_queue, caller.consult_returned = order.get("to_queue", ""), False
    caller.state, caller.consult_ready = "consulting", asyncio.Event()
    await hold(caller, state="consulting")
    invite = legs.invite(caller.ua, number, caller.app.edge, caller=caller.number,
                         call_id=caller.call_id)  # fmt: skip
    caller._ringing = invite  # cancelled if the caller hangs up meanwhile
    try:
        response = await legs.ring(caller.ua, invite)
    finally:
        caller._ringing = None
    if response is None or caller.state != "consulting" or caller.gone.is_set():
        log.info("%s consult of %s: no answer", caller.call_id, number)
        if response is not None:  # the caller went meanwhile
            gone = uac_dialog(invite, response)
            legs.ack(caller.ua, gone, "")
            await legs.bye(caller.ua, gone)
        await _tell(caller, "over" if caller.consult_returned else "failed")
        caller.consult_ready.set()
        return await back_to_caller(caller)
    leg = uac_dialog(invite, response)
    caller.consult_leg = leg
    caller.ua.in_dialog[leg.call_id] = lambda m, a: _from_consulted(caller, m, a)
    await _tell(caller, "answered")
    agent = caller.agent_leg
    answer = await _offer(caller, agent, response.body) if agent is not None else None
    if answer is None and caller.agent_leg is None:
        # The agent hung up to complete while the target rang (or as our re-INVITE reached
        # their phone): nobody to consult with, so the target's offer goes straight to the
        # caller and the caller's answer to the target. The real-SIP test found this step
        # re-INVITEing the agent's leg that was gone: the consultation broke off, the
        # target's answer was never ACKed and the caller was told nobody could take them.
        await _put_through(caller, leg, response.body, number)
        caller.consult_ready.set()  # ``complete``, waiting for it, finds them put through
        return
    caller.consult_ready.set()
    if answer is None:
        return await _drop_consulted(caller, then_return=True)
    caller.acks[leg.call_id] = legs.ack(caller.ua, leg, answer)
    log.info("%s consulting %s", caller.call_id, number)


def target(order: dict) -> str:
    """Whom a warm transfer's order consults: a number, or a colleague's username."""
    return order.get("to_number") or order.get("to_agent", "")


async def complete(caller: Caller, number: str) -> None:
    """The caller put through to the specialist or colleague (once they answered:
    «Соединить» may be pressed while their phone still rings); the agent let go."""
    if caller.state == "consulting" and caller.consult_ready is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(caller.consult_ready.wait(), legs.RING_SECONDS + 15)
    leg = caller.consult_leg
    if caller.gone.is_set():  # hung up meanwhile: the call's end lets the target go
        return
    if caller.state != "consulting" or leg is None:
        if caller.agent_leg is None:  # the agent hung up, the target never answered
            await _nobody_left(caller)
        return
    fresh = await legs.reinvite(caller.ua, leg)
    if fresh is None and caller.consult_leg is leg:
        return await _drop_consulted(caller, then_return=True)
    if fresh is not None:  # else the target hung up meanwhile: their BYE took it back
        await _put_through(caller, leg, fresh.body, number)


async def _put_through(caller: Caller, leg: Dialog, offer: str, number: str) -> None:
    """The target's ``offer`` (fresh, or their answer's own when the agent hung up before
    it) given to the caller, the caller's answer to the target: the two talk, the agent's
    phone hung up if it is still there, ``call_transferred`` told."""
    answer = await _offer(caller, caller.dialog, offer)
    if answer is None:
        return await _drop_consulted(caller, then_return=True)
    caller.acks[leg.call_id] = legs.ack(caller.ua, leg, answer)
    released, caller.agent_leg, caller.consult_leg = caller.agent_leg, leg, None
    caller.agent = number
    caller.ua.in_dialog[leg.call_id] = caller.from_agent
    caller.stream.stop()
    caller.state = "bridged"
    await legs.bye(caller.ua, released)  # None: the agent hung up to complete
    colleague, caller.consult_agent = caller.consult_agent, ""
    where = {"to_agent": colleague, "to_queue": caller.consult_queue, "warm": True}
    with contextlib.suppress(VmesteUnavailable):
        caller.app.on_answer(
            await caller.app.vmeste.event(
                "call_transferred",
                caller.call_id,
                **(where if colleague else {"to_number": number}),
            )
        )
    log.info("%s put through to %s after a consultation", caller.call_id, number)


async def back_to_caller(caller: Caller) -> None:
    """The agent's phone asked for a fresh offer, given to the caller: together again. While
    the specialist's phone still rings: that ring cancelled (``consult`` then comes back).
    The caller gone meanwhile: nothing (the call's end hung the legs up and told Vmeste)."""
    if caller.state != "consulting" or caller.gone.is_set():
        return
    if caller.agent_leg is None:  # the agent hung up to complete: nobody to go back to
        return await _nobody_left(caller)
    if caller._ringing is not None:
        caller.consult_returned = True  # not a missed ring: the colleague is not to blame
        return legs.cancel(caller.ua, caller._ringing)
    await _drop_consulted(caller, then_return=False)
    await _tell(caller, "over")
    agent = caller.agent_leg
    fresh = await legs.reinvite(caller.ua, agent)
    answer = await _offer(caller, caller.dialog, fresh.body) if fresh is not None else None
    if answer is None and caller.agent_leg is None:  # their BYE crossed our re-INVITE
        return await _nobody_left(caller)
    if answer is None:  # the agent's phone does not answer: the caller waits for nobody
        log.error("%s: the agent cannot be given back the caller", caller.call_id)
        return await caller.say_and_hang_up("")
    caller.acks[agent.call_id] = legs.ack(caller.ua, agent, answer)
    caller.stream.stop()
    caller.state = "bridged"
    log.info("%s back with %s", caller.call_id, caller.agent)


async def _nobody_left(caller: Caller) -> None:
    """The agent hung up to complete and the target is gone or never answered: the caller
    is told and let go (the call ends, counted once)."""
    if caller.state == "leaving":  # told already (the ring's end and «complete» both ask)
        return
    caller.state = "leaving"
    log.info("%s: the consultation ended with nobody to take the caller", caller.call_id)
    await _drop_consulted(caller, then_return=False)
    await _tell(caller, "over")
    await caller.say_and_hang_up(_("Не удалось соединить. Пожалуйста, перезвоните позже."))


async def _tell(caller: Caller, outcome: str) -> None:
    """A colleague's side of the consultation to Vmeste (nothing for a number); after
    anything but ``answered`` they are no longer ours to tell of."""
    colleague = caller.consult_agent
    if not colleague or caller.gone.is_set():  # the caller gone: ``call_ended`` frees them
        return
    if outcome != "answered":
        caller.consult_agent = ""
    with contextlib.suppress(VmesteUnavailable):
        caller.app.on_answer(
            await caller.app.vmeste.event(
                "consult", caller.call_id, agent=colleague, outcome=outcome
            )
        )


async def _offer(caller: Caller, dialog: Dialog, offer: str) -> str | None:
    """Re-INVITE ``dialog`` with ``offer``; its answer (our ACK sent), or None: refused, not
    answered in time, or the leg ended meanwhile (``legs.reinvite``)."""
    answer = await legs.reinvite(caller.ua, dialog, offer)
    if answer is None:
        return None
    caller.acks[dialog.call_id] = legs.ack(caller.ua, dialog, "")
    return answer.body


async def _drop_consulted(caller: Caller, *, then_return: bool) -> None:
    leg, caller.consult_leg = caller.consult_leg, None
    if leg is not None:
        caller.ua.in_dialog.pop(leg.call_id, None)
        await legs.bye(caller.ua, leg)
    if then_return:
        await back_to_caller(caller)


def _from_consulted(caller: Caller, message: sip.Message, addr) -> None:
    if not message.is_request:  # the specialist's 2xx again: our ACK was lost
        caller.ack_again(message.call_id)
    elif message.method == "BYE":  # the specialist hung up: the agent gets the caller back
        caller.ua.hung_up(message, addr)
        caller.consult_leg = None
        spawn(back_to_caller(caller), f"{caller.call_id}: back to the caller")
    else:  # a re-INVITE of the consulted phone answered from its leg (``offeranswer``)
        offeranswer.in_dialog(caller.ua, caller.leg(message.call_id), message, addr, None)
