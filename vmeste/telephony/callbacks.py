"""Callbacks placed through the edge: a caller who took the offer kept their place; when
the router gives their call to an agent (``rung`` with ``callback``, listed by
``GET /api/v1/telephony/callbacks/due``), the media application rings the agent first,
then dials the caller with the agent's offer (RFC 3725 flow I again, both legs ours), and
tells Vmeste each step: ``callback_dialing`` (the agent is on the line),
``callback_answered`` or ``callback_failed`` (Vmeste keeps the attempts and decides the
retry). An agent who does not answer is ``agent_state no_answer``, as for any call.
Once both are on the line the callback is a ``Caller`` of the node like any caller put
through to an agent (``_put_through``): the transfers asked from the site (claimed by the
node every second), the agent's REFER and the warm transfer take the one path they take
for every call, and its end is told once (``call_ended``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from vmeste.telephony import handover, legs, offeranswer, sip
from vmeste.telephony.edgeclient import VmesteUnavailable
from vmeste.telephony.tasks import spawn
from vmeste.telephony.useragent import Dialog, uac_dialog

if TYPE_CHECKING:
    from vmeste.telephony.callflow import Caller, MediaApplication

log = logging.getLogger("vmeste.telephony.media")


class PlacedCallback:
    """One callback being placed: the agent's leg, then the caller's."""

    def __init__(self, app: MediaApplication, due: dict) -> None:
        self.app, self.ua, self.due = app, app.ua, due
        self.call_id, self.agent = due["call_id"], due["agent"]
        self.legs: dict[str, Dialog] = {}  # call-id of a leg → its dialog
        self.acks: dict[str, sip.Message] = {}  # both legs ACKed: resent if a 2xx comes again
        self.gone = asyncio.Event()

    async def run(self) -> None:
        try:
            agent_leg = await self._agent()
            if agent_leg is not None:
                await self._caller(agent_leg)
        finally:
            for call_id in self.legs:
                self.ua.in_dialog.pop(call_id, None)

    async def _agent(self) -> Dialog | None:
        number = self.due.get("caller_number", "")
        to_agent = legs.invite(self.ua, self.agent, self.app.edge, caller=number,
                               call_id=self.call_id)  # fmt: skip
        answer = await legs.ring(self.ua, to_agent)
        if answer is None:
            await self._tell_agent("no_answer")
            return None
        dialog = self._keep(to_agent, answer)
        self.offer = answer.body
        await self._tell("callback_dialing", agent=self.agent)
        return dialog

    async def _caller(self, agent_leg: Dialog) -> None:
        number = self.due.get("caller_number", "")
        to_caller = legs.invite(self.ua, number, self.app.edge, caller=self.due.get("line", ""),
                                call_id=self.call_id, body=self.offer)  # fmt: skip
        answer = None if self.gone.is_set() else await legs.ring(self.ua, to_caller)
        if answer is None or self.gone.is_set():
            log.info("callback %s: %s did not answer", self.call_id, number)
            legs.ack(self.ua, agent_leg, "")
            await legs.bye(self.ua, agent_leg)
            if answer is not None:  # the agent left while the caller's phone rang
                caller_leg = uac_dialog(to_caller, answer)
                legs.ack(self.ua, caller_leg, "")
                await legs.bye(self.ua, caller_leg)
            return await self._tell("callback_failed", reason="no answer")
        caller_leg = self._keep(to_caller, answer)
        self.acks[caller_leg.call_id] = legs.ack(self.ua, caller_leg, "")
        self.acks[agent_leg.call_id] = legs.ack(self.ua, agent_leg, answer.body)
        log.info("callback %s: %s talks to %s", self.call_id, self.agent, number)
        await self._tell("callback_answered", agent=self.agent, node=self.app.node)
        if self.gone.is_set():  # hung up while Vmeste was being told
            return await self._tell("call_ended")
        caller = await self._put_through(caller_leg, agent_leg, answer.body)
        await self.app.hold_call(caller, caller.until_over(self._talking(caller)))

    @staticmethod
    async def _talking(caller: Caller) -> None:
        """Put through; transferred on (site or REFER), waiting for the next agent as any."""
        if await handover.talking(caller):
            await caller.wait_for_agent()

    async def _put_through(self, caller_leg: Dialog, agent_leg: Dialog, heard: str) -> Caller:
        """The callback as a ``Caller`` of the node, put through to its agent: one path for
        what follows — the transfers claimed from the site or asked by the agent's REFER
        (blind or warm), the next agent rung, the end told once. Our own stream waits,
        silent, for the music a transfer puts the caller on (``heard``: where their phone
        takes media, from its answer)."""
        from vmeste.telephony.callflow import Caller  # callflow imports this module

        caller = Caller(self.app, self.call_id, caller_leg, self.due.get("caller_number", ""))
        caller.line, caller.agent, caller.agent_leg = (
            self.due.get("line", ""),
            self.agent,
            agent_leg,
        )
        caller.acks = self.acks
        caller.stream = await self.ua.open_stream()
        media = sip.parse_sdp(heard)
        if media is not None:
            caller.stream.remote = (media.address, media.port)
        caller.stream.hush()
        caller.state, caller.offered = "bridged", True  # its end is told (``call_ended``)
        self.ua.in_dialog[caller_leg.call_id] = caller.from_caller
        self.ua.in_dialog[agent_leg.call_id] = caller.from_agent
        return caller

    def _keep(self, request: sip.Message, response: sip.Message) -> Dialog:
        dialog = uac_dialog(request, response)
        self.legs[dialog.call_id] = dialog
        self.ua.in_dialog[dialog.call_id] = self._in_dialog
        return dialog

    def _in_dialog(self, message: sip.Message, addr) -> None:
        if not message.is_request:  # the leg's 2xx again: our ACK lost (or not sent yet)
            ack = self.acks.get(message.call_id)
            if ack is not None:  # the very same again (``legs.ack``)
                self.ua.send(ack, self.ua.next_hop(ack))
            return
        if message.method != "BYE":  # a re-INVITE answered from its leg (``offeranswer``)
            leg = self.legs.get(message.call_id)
            return offeranswer.in_dialog(self.ua, leg, message, addr, None)
        self.ua.hung_up(message, addr)
        if not self.gone.is_set():
            self.gone.set()
            other = next((d for c, d in self.legs.items() if c != message.call_id), None)
            self.legs.pop(message.call_id, None)
            spawn(legs.bye(self.ua, other), f"{message.call_id}: BYE")

    async def _tell(self, type: str, **data) -> None:
        with contextlib.suppress(VmesteUnavailable):
            self.app.on_answer(await self.app.vmeste.event(type, self.call_id, **data))

    async def _tell_agent(self, event: str) -> None:
        with contextlib.suppress(VmesteUnavailable):
            self.app.on_answer(await self.app.vmeste.agent_event(self.agent, event))


class Callbacks:
    """The callbacks this media node places: those Vmeste gave to an agent in an answer to
    this node (a ``rung`` is in exactly one answer, so two nodes never dial one caller),
    with the caller's number from ``callbacks/due``; one task each.

    Their call ids are kept on disk while they are being placed (``ledger``, each with
    the moment Vmeste gave it, ``given_at`` from ``due``): a node that stops (crash,
    restart) loses its tasks; on start it tells Vmeste each one it still lists
    (``recover``), which puts it back in its place, until Vmeste has heard of all of
    them. A node that never comes back is Vmeste's heartbeat's to cover
    (``contactcenter.ringwatch``): it may have given the callback to another node since,
    and the moment told back keeps a late word on the old ring from undoing the new one."""

    RECOVER_SECONDS = 5.0  # Vmeste not answering yet (started with us): asked again

    def __init__(self, app: MediaApplication, ledger: Path | None = None) -> None:
        self.app = app
        self.ledger = ledger
        self.wanted: set[str] = set()
        self.placing: dict[str, asyncio.Task] = {}
        self.given_at: dict[str, str] = {}  # call id → the ring's moment (Vmeste's clock)
        self.stranded: dict[str, str] = {}  # left by the previous run, not yet told

    def given(self, call_id: str) -> None:
        self.wanted.add(call_id)
        self._keep()
        spawn(self._take_due(), "callbacks due")

    async def _take_due(self) -> None:
        with contextlib.suppress(VmesteUnavailable):
            due = await self.app.vmeste.callbacks_due()
            listed = {d["call_id"] for d in due}
            for item in due:
                if item["call_id"] in self.wanted and item["call_id"] not in self.placing:
                    self.wanted.discard(item["call_id"])
                    self.given_at[item["call_id"]] = item.get("given_at", "")
                    self._place(item)
            self.wanted &= listed  # no longer due: given to someone else since, or over
            self._keep()

    def _place(self, due: dict) -> None:
        task = spawn(PlacedCallback(self.app, due).run(), f"callback {due['call_id']}")
        self.placing[due["call_id"]] = task
        task.add_done_callback(lambda _t, c=due["call_id"]: self._placed(c))

    def _placed(self, call_id: str) -> None:
        self.placing.pop(call_id, None)
        self.given_at.pop(call_id, None)
        self._keep()

    def _keep(self) -> None:
        """The ledger: the callbacks this node holds, each with the moment it was given
        ("" before ``due`` told it), written whole (a rename: a crash mid-write leaves the
        previous list, never half of one)."""
        if self.ledger is None:
            return
        ids = sorted(self.wanted | set(self.placing) | set(self.stranded))
        held = {i: self.given_at.get(i) or self.stranded.get(i, "") for i in ids}
        partial = self.ledger.with_suffix(".part")
        partial.write_text(json.dumps(held))
        partial.replace(self.ledger)

    async def recover(self) -> None:
        """On start: each callback the previous run was placing, told to Vmeste (which
        re-queues it and may give it straight back: placed again by this run)."""
        if self.ledger is None or not self.ledger.exists():
            return
        with contextlib.suppress(ValueError, OSError):
            held = json.loads(self.ledger.read_text())
            if isinstance(held, list):  # the ids alone: a ledger written before ``given_at``
                held = dict.fromkeys(held, "")
            self.stranded = {i: at for i, at in held.items() if i not in self.placing}
        while self.stranded:
            for call_id, given_at in sorted(self.stranded.items()):
                try:
                    answer = await self.app.vmeste.callback_stranded(call_id, given_at)
                except VmesteUnavailable:
                    continue
                log.info("callback %s stranded by a restart: %s", call_id, answer.get("state"))
                del self.stranded[call_id]
                self._keep()
                self.app.on_answer(answer)
            if self.stranded:
                await asyncio.sleep(self.RECOVER_SECONDS)
