"""The hand-over of a caller to an agent (or to an outside number), done by the media
application as a back-to-back agent (RFC 3725 flow I): INVITE the agent without an offer,
re-INVITE the caller with the agent's offer, ACK the agent with the caller's answer; media
then flows caller ↔ agent, and we stay in the signalling path only to pass the hang-up on.
No REFER: gateways to the phone network rarely honour it, and the caller's phone needs
nothing from us. The agents are rung in the order Vmeste names them (``Caller.agents``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from vmeste.telephony import legs, sip
from vmeste.telephony.edgeclient import VmesteUnavailable
from vmeste.telephony.useragent import uac_dialog

if TYPE_CHECKING:
    from vmeste.telephony.callflow import Caller

log = logging.getLogger("vmeste.telephony.media")


async def ring_agents(caller: Caller) -> None:
    """Ring the agents Vmeste names for a waiting caller, one after the other, until one
    is bridged and the call ends there (or is transferred on: then the next one)."""
    while True:
        agent = await caller.agents.get()
        if caller.state != "queue":
            continue  # the caller chose a callback meanwhile
        if await ring(caller, agent, agent=True) and not await talking(caller):
            return


async def talking(caller: Caller) -> bool:
    """A caller put through: until the caller or the agent hangs up (False), or the agent
    transfers them on (True: back to waiting for the next agent)."""
    await first(caller.gone.wait(), caller.released.wait())
    if caller.gone.is_set() or caller.state == "bridged":
        return False
    caller.released.clear()
    return True


async def ring(caller: Caller, user: str, *, agent: bool) -> bool:
    """Ring an agent Vmeste picked (or an outside number); bridge on answer (True)."""
    caller.state, caller.agent = "ringing", user
    log.info("%s ringing %s", caller.call_id, user)
    invite = legs.invite(
        caller.ua, user, caller.app.edge, caller=caller.number, call_id=caller.call_id
    )
    response = await legs.ring(caller.ua, invite)  # cancelled if the caller hangs up
    if response is None:
        caller.state = "queue"
        if agent:
            with contextlib.suppress(VmesteUnavailable):
                caller.app.on_answer(await caller.app.vmeste.agent_event(user, "no_answer"))
        return False
    caller.agent_leg = uac_dialog(invite, response)
    caller.ua.in_dialog[invite.call_id] = caller.from_agent
    return await _bridge(caller, response.body, tell=agent)


async def transfer_out(caller: Caller, number: str) -> None:
    """A transfer to an outside number (the menu's, a blind one): rung through the edge and
    bridged, told to Vmeste; the call leaves us there."""
    if await ring(caller, number, agent=False):
        with contextlib.suppress(VmesteUnavailable):
            await caller.app.vmeste.event(
                "call_transferred", caller.call_id, to_number=number, **caller.told()
            )
        await caller.gone.wait()
    else:
        await caller.say_and_hang_up(_("Не удалось соединить. Пожалуйста, перезвоните позже."))


async def _bridge(caller: Caller, agent_offer: str, *, tell: bool) -> bool:
    ua = caller.ua
    log.info("%s bridging %s", caller.call_id, caller.agent)
    answer = await legs.reinvite(ua, caller.dialog, agent_offer)
    if answer is None:
        await _unbridgeable(caller)
        return False
    caller.acks[caller.dialog.call_id] = legs.ack(ua, caller.dialog, "")
    caller.acks[caller.agent_leg.call_id] = legs.ack(ua, caller.agent_leg, answer.body)
    caller.stream.hush()
    caller.state = "bridged"
    if tell:  # with this node's name: its heartbeat says it still holds the call
        told = {"agent": caller.agent, "node": caller.app.node}
        with contextlib.suppress(VmesteUnavailable):
            caller.app.on_answer(
                await caller.app.vmeste.event("call_answered", caller.call_id, **told)
            )
    return True


async def _unbridgeable(caller: Caller) -> None:
    """The caller's leg refused the agent's media or no longer answers: nobody can talk.
    The agent's phone is answered (ACK) and let go (BYE) and the call ends, so Vmeste
    frees the agent: a phone left waiting for its ACK, its agent left "ringing", would
    hold this call while the next one rang it."""
    ua = caller.ua
    log.warning("%s not bridged to %s", caller.call_id, caller.agent)
    refused = sip.make_sdp(ua.host, 0, 1)  # the agent's stream refused: port 0
    caller.acks[caller.agent_leg.call_id] = legs.ack(ua, caller.agent_leg, refused)
    await legs.bye(ua, caller.agent_leg)
    caller.agent_leg = None
    await legs.bye(ua, caller.dialog)
    caller.gone.set()


async def first(*waits: Awaitable) -> None:
    """Until the first of ``waits`` ends; the waits begun here for the others cancelled."""
    waiters = {asyncio.ensure_future(wait) for wait in waits}
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            if isinstance(waiter, asyncio.Task):  # a future handed in is its owner's
                waiter.cancel()
