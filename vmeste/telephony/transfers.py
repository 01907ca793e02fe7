"""Blind transfer from the agent's phone (a REFER in the agent's leg of a bridged call) or
from the site (an order the node claims from Vmeste: ``ordered``).

``Refer-To: <sip:TARGET@…>``: a number (digits, an optional «+») is an outside specialist,
rung through the edge and bridged; anything else is a queue's code, else an agent's
username, as Vmeste knows them. The transferring agent is told (NOTIFY, ``200 OK``
sipfrag) and let go (BYE; Vmeste puts them in wrap-up with the ``call_transferred``
event); the caller is brought back onto our media — the music on hold — and waits again,
in the place of their first offer, for the agent Vmeste rings next.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
from typing import TYPE_CHECKING

from vmeste.telephony import consult, handover, legs, offeranswer, sip
from vmeste.telephony.edgeclient import VmesteUnavailable
from vmeste.telephony.tasks import spawn
from vmeste.telephony.useragent import Dialog

if TYPE_CHECKING:
    from vmeste.telephony.callflow import Caller, MediaApplication

log = logging.getLogger("vmeste.telephony.media")
NUMBER = re.compile(r"^\+?[0-9]{3,15}$")


def notify(caller: Caller, dialog: Dialog, status: str = "SIP/2.0 200 OK") -> None:
    """The REFER's outcome to the phone that sent it (RFC 3515), the subscription over."""
    message = dialog.request("NOTIFY", caller.ua.contact, caller.ua.via, status + "\r\n")
    message.headers += [
        ("event", "refer"),
        ("subscription-state", "terminated;reason=noresource"),
        ("content-type", "message/sipfrag;version=2.0"),
    ]
    caller.ua.send(message, caller.ua.next_hop(message))


async def referred(caller: Caller, target: str) -> None:
    """Carry out the agent's blind transfer of ``caller`` to ``target``."""
    released, caller.agent_leg = caller.agent_leg, None
    log.info("%s transferred by %s to %s", caller.call_id, caller.agent, target)
    if released is not None:
        notify(caller, released)
        await legs.bye(caller.ua, released)
    if caller.gone.is_set():  # hung up meanwhile: their call's end is told by its flow
        return
    await _back_on_hold(caller)
    if NUMBER.match(target):
        caller.released.set()
        return await handover.transfer_out(caller, target)
    for field in ("to_queue", "to_agent"):
        if await _tell(caller, {field: target}):
            break  # refused (no such queue) or unreachable: tried as an agent
    caller.released.set()


async def claimed(app: MediaApplication) -> None:
    """The transfers asked from the site for the callers talking to agents here, carried
    out (asked every second: ``MediaApplication._beat``)."""
    talking = [i for i, c in app.callers.items() if c.state in ("bridged", "consulting")]
    if not talking:
        return
    with contextlib.suppress(VmesteUnavailable):
        for order in await app.vmeste.transfers(talking):
            caller = app.callers.get(order.get("call_id", ""))
            if caller is not None:
                spawn(ordered(caller, order), f"{caller.call_id}: transfer ordered")


async def ordered(caller: Caller, order: dict) -> None:
    """Carry out a transfer the agent asked for from the site (``order``: one of
    ``to_queue``, ``to_agent``, ``to_number``, checked by Vmeste): blind, as a REFER without
    the REFER's NOTIFY — the agent's phone is simply hung up; or a warm transfer's step."""
    step = order.get("step", "blind")
    if step == "consult":
        return await consult.consult(caller, order, _back_on_hold)
    if step == "complete":
        return await consult.complete(caller, consult.target(order))
    if step == "return":
        return await consult.back_to_caller(caller)
    if caller.state != "bridged":
        return  # the caller or the agent has gone, or a REFER came first
    caller.state = "transferring"
    released, caller.agent_leg = caller.agent_leg, None
    log.info("%s transferred from the site by %s: %s", caller.call_id,
             order.get("asked_by"), order)  # fmt: skip
    await legs.bye(caller.ua, released)
    if caller.gone.is_set():
        return
    await _back_on_hold(caller)
    if order.get("to_number"):
        caller.released.set()
        return await handover.transfer_out(caller, order["to_number"])
    field = "to_queue" if order.get("to_queue") else "to_agent"
    await _tell(caller, {field: order.get(field, "")})
    caller.released.set()


async def _tell(caller: Caller, where: dict) -> bool:
    """``call_transferred`` to Vmeste; the agent it rings next comes in its answer."""
    try:
        answer = await caller.app.vmeste.event("call_transferred", caller.call_id, **where)
    except VmesteUnavailable:
        return False
    caller.app.on_answer(answer)
    return True


async def _back_on_hold(caller: Caller, state: str = "queue") -> None:
    """Re-INVITE the caller with our own media: they hear the music while the next rings
    (or while their agent consults)."""
    offer = sip.make_sdp(caller.ua.host, caller.stream.port, secrets.randbits(31))
    answer = await legs.reinvite(caller.ua, caller.dialog, offer)
    if answer is not None:
        caller.acks[caller.dialog.call_id] = legs.ack(caller.ua, caller.dialog, "")
        # Our music where their phone takes media now (on hold themselves: nothing sent).
        offeranswer.follow(caller.dialog, caller.stream, answer.body)
    caller.state = state
    caller.stream.play(caller.app.prompts.music(), repeat=True)
