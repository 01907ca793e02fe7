"""Blind transfer from the agent's phone: a REFER in the agent's leg of a bridged call.

``Refer-To: <sip:TARGET@…>``: a number (digits, an optional «+») is an outside specialist,
rung through the edge and bridged; anything else is a queue's code, else an agent's
username, as Vmeste knows them. The transferring agent is told (NOTIFY, ``200 OK``
sipfrag) and let go (BYE; Vmeste puts them in wrap-up with the ``call_transferred``
event); the caller is brought back onto our media — the music on hold — and waits again,
in the place of their first offer, for the agent Vmeste rings next.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import TYPE_CHECKING

from vmeste.telephony import legs, sip
from vmeste.telephony.edgeclient import VmesteUnavailable
from vmeste.telephony.useragent import Dialog

if TYPE_CHECKING:
    from vmeste.telephony.callflow import Caller

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
    log.info("%s transferred by %s to %s", caller.invite.call_id, caller.agent, target)
    if released is not None:
        notify(caller, released)
        await legs.bye(caller.ua, released)
    await _back_on_hold(caller)
    if NUMBER.match(target):
        caller.released.set()
        return await caller.transfer_out(target)
    for field in ("to_queue", "to_agent"):
        try:
            answer = await caller.app.vmeste.event(
                "call_transferred", caller.invite.call_id, **{field: target}
            )
        except VmesteUnavailable:
            continue  # refused (no such queue) or unreachable: try it as an agent
        caller.app.on_answer(answer)
        break
    caller.released.set()


async def _back_on_hold(caller: Caller) -> None:
    """Re-INVITE the caller with our own media: they hear the music while the next rings."""
    offer = sip.make_sdp(caller.ua.host, caller.stream.port, secrets.randbits(31))
    reinvite = caller.dialog.request("INVITE", caller.ua.contact, caller.ua.via, offer)
    answer = await caller.ua.transact(reinvite, timeout=10.0)
    if answer.status < 300:
        caller.acks[caller.dialog.call_id] = legs.ack(caller.ua, caller.dialog, "")
    caller.state = "queue"
    caller.stream.play(caller.app.prompts.music(), repeat=True)
