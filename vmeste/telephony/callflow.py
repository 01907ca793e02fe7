"""The media application's call flow: answer, walk the line's menu, queue, hand to an agent.

Each inbound call is one ``Caller`` task. Vmeste decides (the menu over HTTP, the agent in
the answer to ``call_offered`` or in the heartbeat's ``rung``); this side only plays, listens
and connects: the hand-over to the agent is ``handover``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import socket
import time
from collections.abc import Awaitable, Coroutine
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from vmeste.contactcenter.calllog import ABANDONED_IN_MENU, SERVED_IN_MENU, within_limits
from vmeste.telephony import (
    consult,
    handover,
    ivrplay,
    legs,
    offeranswer,
    siblings,
    sip,
    transfers,
)
from vmeste.telephony.callbacks import Callbacks
from vmeste.telephony.edgeclient import VmesteClient, VmesteUnavailable
from vmeste.telephony.outbox import VmesteDelayed
from vmeste.telephony.tasks import spawn
from vmeste.telephony.useragent import Dialog, UserAgent, uas_dialog

log = logging.getLogger("vmeste.telephony.media")
MENU_SECONDS = 5.0


class MediaApplication:
    def __init__(
        self,
        *,
        host: str,
        sip_port: int,
        rtp_ports: tuple[int, int],
        edge: tuple[str, int],
        vmeste: VmesteClient,
        prompts: Path,
        state: Path | None = None,
        addresses: list[tuple[str, int]] | None = None,  # the edge's other media nodes
    ) -> None:
        self.ua = UserAgent(host=host, port=sip_port, rtp_ports=rtp_ports, on_call=self.on_call)
        # This node's name for Vmeste: told with each offer, answer and heartbeat, so that
        # Vmeste ends the calls of a node gone (``contactcenter.nodewatch``). The
        # machine's name too: every edge listens on 127.0.0.1 by default, and two centres'
        # nodes of one name would each make the other's calls look lost.
        self.node = f"{host}:{sip_port}@{socket.gethostname()}"[:100]
        self.ua.on_message = self.on_sibling
        self.siblings = siblings.Siblings(self.ua, addresses or [])
        self.edge = edge
        self.vmeste = vmeste
        self.prompts = ivrplay.PromptBook(prompts)
        self.callers: dict[str, Caller] = {}
        # The callbacks being placed, kept on disk per node (its SIP port) for a restart.
        ledger = state / f"callbacks-{sip_port}.json" if state is not None else None
        self.callbacks = Callbacks(self, ledger)
        # The events Vmeste has not taken yet, beside it (a stand-in client has none).
        self.outbox = state / f"outbox-{sip_port}.jsonl" if state is not None else None
        self._heartbeat: asyncio.Task | None = None
        self._recovery: asyncio.Task | None = None
        self._menus: dict[str, tuple[float, dict]] = {}

    async def start(self) -> None:
        if isinstance(self.vmeste, VmesteClient):
            self.vmeste.outbox.start(self.outbox, self.on_answer)
        await self.ua.start()
        self._heartbeat = asyncio.create_task(self._beat())
        self._recovery = asyncio.create_task(self.callbacks.recover())

    def close(self) -> None:
        for task in (self._heartbeat, self._recovery):
            if task is not None:
                task.cancel()
        if isinstance(self.vmeste, VmesteClient):
            self.vmeste.outbox.close()
            self.vmeste.close()
        self.ua.close()

    async def on_call(self, ua: UserAgent, invite: sip.Message, addr) -> None:
        offer = sip.parse_sdp(invite.body)
        if offer is None:
            ua.answer(invite, addr, 488, to_tag=sip.new_tag())
            return
        caller = Caller.dialled_in(self, invite, addr)
        await self.hold_call(caller, caller.run(offer))

    async def hold_call(self, caller: Caller, running: Awaitable[None]) -> None:
        """A call this node holds until ``running`` ends: a caller who dialled in, or a
        callback put through (``callbacks``). Vmeste's decisions and the transfers claimed
        for it find it in ``callers``."""
        self.callers[caller.call_id] = caller
        try:
            await running
        except Exception:  # one broken call must not stop the others
            log.exception("call %s failed", caller.call_id)
        finally:
            self.callers.pop(caller.call_id, None)
            caller.close()

    async def menu(self, line: str) -> dict:
        """The line's menu, asked again after MENU_SECONDS: a caller's prompt must not wait
        for an HTTP round trip. Its prompts are synthesised as soon as it is known."""
        now = time.monotonic()
        kept = self._menus.get(line)
        if kept is not None and now - kept[0] < MENU_SECONDS:
            return kept[1]
        menu = await self.vmeste.menu(line)
        self._menus[line] = (now, menu)
        if kept is None or kept[1] != menu:
            for text in ivrplay.unrecorded(menu):
                spawn(self.prompts.audio(text), "a prompt's speech")
        return menu

    def on_answer(self, answer: dict, *, passed: bool = False) -> None:
        """Vmeste's decisions in an event's (or the heartbeat's) answer: agents to ring,
        callers to offer a callback. Those about callers of another media node of this
        edge (Vmeste answers whichever node asked) are passed on to it (``passed``: they
        come from a sibling, not to be passed on again)."""
        theirs: dict[str, list] = {"rung": [], "callback_offers": []}
        for item in answer.get("rung", []):
            caller = self.callers.get(item.get("call_id", ""))
            if caller is not None:
                caller.agents.put_nowait(item["agent"])
            elif item.get("callback"):  # the caller is not on the line: we dial them back
                self.callbacks.given(item["call_id"])
            else:
                theirs["rung"].append(item)
        for call_id in answer.get("callback_offers", []):
            caller = self.callers.get(call_id)
            if caller is not None:
                caller.callback_offer.set()
            else:
                theirs["callback_offers"].append(call_id)
        if not passed:
            self.siblings.pass_on(theirs)

    def on_sibling(self, message: sip.Message) -> int:
        """A sibling's MESSAGE: Vmeste's decisions it got for callers that may be ours."""
        decisions = siblings.read(message)
        if decisions is None:
            return 400
        self.on_answer(decisions, passed=True)
        return 200

    async def _beat(self) -> None:
        """The heartbeat: callers may get an agent with no event (every second while one
        waits here), and callers who left for a callback wait with nobody on the line (every
        5 s otherwise: a callback a few seconds later is no worse). Each names this node and
        lists every call it holds (``holding``): Vmeste ends a call of this node
        that the list lacks for a while, or of a node it no longer hears. Every second while
        callers talk to agents: the transfers their agents asked for from the site."""
        for beat in itertools.count(1):
            await asyncio.sleep(1.0)
            await transfers.claimed(self)
            waiting = any(c.state == "queue" for c in self.callers.values())
            if not waiting and beat % 5:
                continue
            with contextlib.suppress(VmesteUnavailable):
                beat = await self.vmeste.heartbeat(self.node, self.holding(), self.in_menu())
                self.on_answer(beat)

    def holding(self) -> list[str]:
        """The calls this node holds now, whatever their step: its callers and the
        callbacks it is placing."""
        return sorted(set(self.callers) | set(self.callbacks.placing))

    def in_menu(self) -> list[dict]:
        """The callers in the voice menu, unknown to Vmeste until they reach a queue or
        hang up: told with each heartbeat, so that Vmeste ends them if this node dies."""
        return [told for caller in self.callers.values() if (told := ivrplay.in_menu(caller))]


class Caller:
    """One call the node holds: ``call_id`` is Vmeste's, ``dialog`` the caller's leg."""

    def __init__(self, app: MediaApplication, call_id: str, dialog: Dialog, number: str) -> None:
        self.app, self.ua, self.call_id, self.dialog = app, app.ua, call_id, dialog
        self.number = number
        self.invite: sip.Message | None = None  # the caller's INVITE, when they dialled in
        self.addr = None
        self.state = "menu"
        self.offered = False
        self.agents: asyncio.Queue[str] = asyncio.Queue()
        self.callback_offer = asyncio.Event()
        self.line = self.centre = self.ivr_path = ""
        self.menu_seconds: float | None = None
        self.gone = asyncio.Event()
        self.released = asyncio.Event()  # the agent transferred the caller away
        self.agent_leg: Dialog | None = None
        self.consult_leg: Dialog | None = None  # a warm transfer's specialist (``consult``)
        self.consult_ready: asyncio.Event | None = None  # set: answered, or not
        self.consult_agent = self.consult_queue = ""  # a colleague consulted (and whence)
        self.consult_target = ""  # whom the consultation rings: a number or a colleague
        self.consult_returned = False  # «Вернуться» cancelled the consulted phone's ring
        self._ringing: sip.Message | None = None  # the specialist's phone ringing
        self.acks: dict[str, sip.Message] = {}  # a leg's call id → our last ACK on it
        self.agent = ""
        self.stream = None

    @classmethod
    def dialled_in(cls, app: MediaApplication, invite: sip.Message, addr) -> Caller:
        caller = cls(app, invite.call_id, uas_dialog(invite, sip.new_tag()),
                     sip.user_of(invite.get("from")))  # fmt: skip
        caller.invite, caller.addr = invite, addr
        return caller

    async def run(self, offer: sip.Sdp) -> None:
        self.stream = await self.ua.open_stream()
        self.stream.remote = (offer.address, offer.port)
        self.stream.receiver.payload_type = offer.event_payload or 101
        self.ua.in_dialog[self.dialog.call_id] = self.from_caller
        body = offeranswer.sent(
            self.dialog, sip.make_sdp(self.ua.host, self.stream.port, secrets.randbits(31))
        )
        self.ua.answer(
            self.invite,
            self.addr,
            200,
            dialog=self.dialog,
            to_tag=sip.tag(self.dialog.local),
            contact=self.ua.contact,
            body=body,
        )
        self.answered_at = time.monotonic()
        await self.until_over(self._flow())

    async def until_over(self, steps: Coroutine[Any, Any, None]) -> None:
        """``steps`` until they end or the caller hangs up; then the call's end, told once."""
        flow = asyncio.create_task(steps)
        gone = asyncio.create_task(self.gone.wait())
        await asyncio.wait({flow, gone}, return_when=asyncio.FIRST_COMPLETED)
        if not flow.done():  # the caller hung up: stop whatever we were doing
            flow.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flow
        elif flow.exception() is not None:  # our fault: say so in the log, free the caller
            log.error("call %s failed", self.call_id, exc_info=flow.exception())
            if not self.gone.is_set():
                await legs.bye(self.ua, self.dialog)
                self.gone.set()  # over: what is still under way for it sees so
        gone.cancel()
        await self._account()

    async def _flow(self) -> None:
        line = self.invite.get("x-vmeste-line")
        if not line:
            log.info("%s fallback announcement (the edge had no answer)", self.call_id)
            return await self.say_and_hang_up(self._fallback_text())
        try:
            menu = await self.app.menu(line)
        except VmesteUnavailable:
            return await self.say_and_hang_up(self._fallback_text())
        self.line, self.centre = line, menu["centre"]
        end = await ivrplay.walk(self, menu)
        if self.state != "served":
            self.state = "chosen"
        self.menu_seconds = round(time.monotonic() - self.answered_at, 3)
        log.info("%s chose %s (%s)", self.call_id, end.ivr_path, end.kind)
        await ivrplay.serve(self, menu, end)

    def _fallback_text(self) -> str:
        return _(
            "Извините, линия временно недоступна. Пожалуйста, перезвоните через несколько минут."
        )

    async def queue(self, end, *, callback: bool = False) -> None:
        """Offer the call to Vmeste and wait: announcements and music (``ivrplay.hold``),
        the agents Vmeste names rung in turn. A callback node asks for the callback at once
        unless an agent is free now."""
        try:
            answer = await self.app.vmeste.event(
                "call_offered", self.call_id, queue=end.queue, node=self.app.node, **self.told()
            )
        except VmesteDelayed:  # it will arrive: so must its end, after it
            self.offered = True
            return await self.say_and_hang_up(self._fallback_text())
        except VmesteUnavailable:
            return await self.say_and_hang_up(self._fallback_text())
        self.offered, self.state = True, "queue"
        log.info("%s offered: %s", self.call_id, answer.get("call"))
        self.app.on_answer(answer)
        if callback and self.agents.empty():
            return await self.request_callback()
        await self.wait_for_agent()

    async def wait_for_agent(self) -> None:
        """Announcements and music while the agents Vmeste names are rung in turn."""
        holder = asyncio.create_task(ivrplay.hold(self))
        ringer = asyncio.create_task(handover.ring_agents(self))
        try:
            await asyncio.wait({holder, ringer}, return_when=asyncio.FIRST_COMPLETED)
            if holder.done() and holder.exception() is not None:  # no announcement: wait on
                log.error("%s hold failed", self.call_id, exc_info=holder.exception())
                await ringer
        finally:
            holder.cancel()
            ringer.cancel()

    async def request_callback(self) -> None:
        """The caller keeps their place and hangs up; an agent will dial them back."""
        self.state = "callback"
        with contextlib.suppress(VmesteUnavailable):
            self.app.on_answer(await self.app.vmeste.event("callback_requested", self.call_id))
        log.info("%s left for a callback", self.call_id)
        await self.say_and_hang_up(
            _("Мы перезвоним вам, как только освободится оператор. До свидания.")
        )

    def from_caller(self, message: sip.Message, addr) -> None:
        # A response: a 2xx of the caller's phone retransmitted (its ``method`` is its
        # CSeq's, INVITE: it must never be answered as if it were a request, to nowhere).
        # A BYE with no address is ours: the phone never ACKed our 2xx (``useragent``).
        if not message.is_request:
            self.ack_again(message.call_id)
        elif message.method == "BYE":
            self.ua.hung_up(message, addr)
            self.gone.set()
        else:  # a re-INVITE (refresh, hold) answered with SDP, a late CANCEL: 200
            offeranswer.in_dialog(self.ua, self.dialog, message, addr, self.stream)

    def from_agent(self, message: sip.Message, addr) -> None:
        if not message.is_request:  # the agent's 2xx again (our ACK was lost): ACK again
            self.ack_again(message.call_id)  # once we have an answer to give it
        elif message.method == "REFER" and self.state == "bridged":
            self.ua.answer(message, addr, 202)
            target = sip.user_of(message.get("refer-to") or message.get("r"))
            self.state = "transferring"
            spawn(transfers.referred(self, target), f"{self.call_id}: REFER")
        elif message.method == "BYE":  # a leg let go already (transferred): nothing more
            self.ua.hung_up(message, addr)
            if self.agent_leg is not None and self.agent_leg.call_id == message.call_id:
                self._agent_hung_up()
        else:  # a re-INVITE of the agent's phone answered from its leg (``offeranswer``)
            offeranswer.in_dialog(self.ua, self.leg(message.call_id), message, addr, None)

    def leg(self, call_id: str) -> Dialog | None:
        """The agent's (or the specialist's) leg of ``call_id``; None: let go already."""
        legs_now = (self.agent_leg, self.consult_leg)
        return next((d for d in legs_now if d is not None and d.call_id == call_id), None)

    def _agent_hung_up(self) -> None:
        self.agent_leg = None
        if self.state == "consulting":  # an attended transfer's "hang up to complete":
            spawn(consult.complete(self, self.consult_target), f"{self.call_id}: put through")
        else:
            self.gone.set()
            spawn(legs.bye(self.ua, self.dialog), f"{self.call_id}: BYE")

    def ack_again(self, call_id: str) -> None:
        """A 2xx of a leg came again: our ACK on it again, the very same."""
        ack = self.acks.get(call_id)
        if ack is not None:
            self.ua.send(ack, self.ua.next_hop(ack))

    async def say_and_hang_up(self, text: str) -> None:
        """``text`` said, then the caller's leg hung up: until the prompt's end or the
        caller's own (their BYE, the stream closed); a caller gone is not hung up again."""
        if not self.gone.is_set():
            said = self.stream.play(await self.app.prompts.audio(text))
            await handover.first(said, self.gone.wait())
        if not self.gone.is_set():
            await legs.bye(self.ua, self.dialog)
        self.gone.set()

    async def _account(self) -> None:
        """The call's end, told once: the agent leg is hung up too (the agent's ring is
        cancelled by ``legs.ring`` as the flow is; a consultation's ring here)."""
        if self._ringing is not None:
            legs.cancel(self.ua, self._ringing)
        if self.agent_leg is not None and self.state in ("bridged", "consulting"):
            await legs.bye(self.ua, self.agent_leg)
        await legs.bye(self.ua, self.consult_leg)  # None: nobody consulted
        if self.offered:
            with contextlib.suppress(VmesteUnavailable):
                self.app.on_answer(await self.app.vmeste.event("call_ended", self.call_id))
        elif self.state in ("menu", "served") and self.line:  # ended in the menu: once
            # Hung up before a branch was chosen, or served there (a message, the robot's
            # answer, the night message: heard, or hung up on once it began).
            self.menu_seconds = round(time.monotonic() - self.answered_at, 3)
            served = self.state == "served"
            with contextlib.suppress(VmesteUnavailable):
                await self.app.vmeste.event(
                    "call_ended",
                    self.call_id,
                    disposition=SERVED_IN_MENU if served else ABANDONED_IN_MENU,
                    **self.told(),
                )

    def told(self) -> dict:
        """What Vmeste knows of a call that never reached its queue (within the API's
        limits: a number of forty characters is cut, not the event refused)."""
        return within_limits({
            "line": self.line,
            "centre": self.centre,
            "caller_number": self.number,
            "ivr_path": self.ivr_path,
            "menu_seconds": self.menu_seconds,
        })  # fmt: skip

    def close(self) -> None:
        self.ua.in_dialog.pop(self.dialog.call_id, None)
        for leg in (self.agent_leg, self.consult_leg):
            if leg is not None:
                self.ua.in_dialog.pop(leg.call_id, None)
        if self.stream is not None:
            self.ua.close_stream(self.stream)
