"""The edge's media nodes tell each other what Vmeste decided for their callers.

Vmeste answers whichever node asked: an agent freed by a hang-up on node A may be given a
caller waiting on node B, in the answer to A. A passes such decisions on to its siblings
in a SIP MESSAGE over the socket it already has (resent until answered); the node that
holds the call applies them, the others ignore them.
"""

from __future__ import annotations

import contextlib
import json

from vmeste.telephony import legs, sip
from vmeste.telephony.tasks import spawn
from vmeste.telephony.useragent import UserAgent


class Siblings:
    def __init__(self, ua: UserAgent, addresses: list[tuple[str, int]]) -> None:
        self.ua = ua
        self.addresses = addresses

    def pass_on(self, decisions: dict) -> None:
        """``rung`` and ``callback_offers`` about callers this node does not hold."""
        if not self.addresses or not (decisions["rung"] or decisions["callback_offers"]):
            return
        for address in self.addresses:
            spawn(self._send(address, decisions), f"decisions to {address}")

    async def _send(self, address: tuple[str, int], decisions: dict) -> None:
        with contextlib.suppress(TimeoutError):
            await self.ua.transact(message(self.ua, address, decisions), timeout=5.0)


def message(ua: UserAgent, to: tuple[str, int], decisions: dict) -> sip.Message:
    # One hop: straight to the sibling, never through the edge.
    return legs.request(
        ua, "MESSAGE", "media", to, sender=ua.contact, hops=1,
        extra=[("content-type", "application/json")], body=json.dumps(decisions),
    )  # fmt: skip


def read(request: sip.Message) -> dict | None:
    """The decisions a sibling passed on, or None when the body is not theirs."""
    try:
        decisions = json.loads(request.body)
    except ValueError:
        return None
    if not isinstance(decisions, dict):
        return None
    rung = decisions.get("rung", [])
    offers = decisions.get("callback_offers", [])
    if not isinstance(rung, list) or not isinstance(offers, list):
        return None
    if not all(isinstance(item, dict) and "agent" in item for item in rung):
        return None
    return {"rung": rung, "callback_offers": offers}
