"""The media application's user agent: SIP dialogs over one UDP socket, RTP per leg.

asyncio, one process. Prompts are paced by one shared 20 ms clock for all legs (one timer
for 200 legs costs far less than 200 timers). Inbound INVITEs are handed to ``on_call``;
the call flow (``callflow``) drives the dialogs through this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from vmeste.telephony import offeranswer, sip
from vmeste.telephony.mediastream import MediaStream
from vmeste.telephony.tasks import spawn

log = logging.getLogger("vmeste.telephony.media")
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
# RFC 3261's T1 and T2: a message resent after T1, the wait doubling up to T2 (our requests,
# timers A/E; our 2xx to an INVITE until its ACK, ``UserAgent.T1``/``T2``).
RFC_T1, RFC_T2 = 0.5, 4.0
LET_GONE_KEPT = 1000  # late answers (and our 200s to BYEs) remembered, for retransmissions
# Our answers to INVITEs, for an INVITE resent before it heard them: a new call's INVITE
# found here is a copy, not a second call. A phone stops resending once it hears our 100
# (RFC 3261 §17.1.1.2), so the last 4,096 cover minutes at this node's rate, and the memory
# no longer grows with every call the node takes (it did, for as long as the node ran).
SENT_REPLIES_KEPT = 4096


class DialogEnded(Exception):
    """A request in a dialog that ended meanwhile (a BYE crossed it): no answer will come."""


@dataclass
class Dialog:
    """One SIP dialog as seen from our side (RFC 3261 §12)."""

    call_id: str
    local: str  # our From (UAC) or To (UAS) header value, tag included
    remote: str
    target: str  # the peer's Contact URI
    route: list[str] = field(default_factory=list)
    cseq: int = 0
    owner: bool = False  # we sent its first INVITE: the Call-ID is ours (glare's wait)
    sdp: str = ""  # the media description we give in it now (``offeranswer``)
    origin: list[str] | None = None  # its o= line: kept, the version one up each time

    def request(self, method: str, contact: str, via: str, body: str = "") -> sip.Message:
        if method != "ACK":
            self.cseq += 1
        headers = [
            ("via", f"SIP/2.0/UDP {via};branch={sip.new_branch()};rport"),
            ("max-forwards", "70"),
        ]
        headers += [("route", r) for r in self.route]
        headers += [
            ("from", self.local),
            ("to", self.remote),
            ("call-id", self.call_id),
            ("cseq", f"{self.cseq} {method}"),
            ("contact", f"<{contact}>"),
        ]
        if body:
            headers.append(("content-type", "application/sdp"))
        return sip.Message(f"{method} {self.target} SIP/2.0", headers, body)


class UserAgent(asyncio.DatagramProtocol):
    """SIP over UDP: answers requests, sends requests and awaits their final answers.

    ``T1``, ``T2``: RFC 3261's timers for our 2xx to an INVITE, resent until its ACK (first
    after T1, doubling up to T2; no ACK in 64*T1: the dialog hung up). Tests shorten them."""

    T1 = RFC_T1
    T2 = RFC_T2

    def __init__(
        self,
        *,
        host: str,
        port: int,
        rtp_ports: tuple[int, int],
        on_call: Callable[[UserAgent, sip.Message, tuple], Awaitable[None]],
    ) -> None:
        self.host, self.port = host, port
        self.on_call = on_call
        self.transport: asyncio.DatagramTransport | None = None
        self.free_ports = list(range(rtp_ports[0] - rtp_ports[0] % 2, rtp_ports[1], 2))
        self.streams: set[MediaStream] = set()
        self.waiting: dict[tuple[str, int, str], asyncio.Future] = {}
        self.provisional: dict[tuple[str, int, str], Callable[[sip.Message], None]] = {}
        self.in_dialog: dict[str, Callable[[sip.Message, tuple], None]] = {}
        self.sent_replies: dict[tuple[str, str], bytes] = {}  # retransmitted INVITEs
        # (call id, our tag, CSeq number): the dialog and INVITE of a 2xx of ours → the task
        # resending it until its ACK.
        self.unacked: dict[tuple[str, str, int], asyncio.Task] = {}
        self.let_gone: dict[str, sip.Message] = {}  # call id → the ACK of a late answer
        self.byes_answered: dict[tuple[str, str], bytes] = {}  # (call id, Via) → our 200
        # Out-of-dialog MESSAGE (another media node of the edge) → the status to answer.
        self.on_message: Callable[[sip.Message], int] | None = None
        self._clock: asyncio.Task | None = None

    @property
    def contact(self) -> str:
        return f"sip:media@{self.host}:{self.port}"

    @property
    def via(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=(self.host, self.port))
        widen_receive_buffer(self.transport)
        self._clock = asyncio.create_task(self._pace())

    def close(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
        for resending in self.unacked.values():
            resending.cancel()
        self.unacked.clear()
        for stream in list(self.streams):
            stream.close()
        if self.transport is not None:
            self.transport.close()

    def connection_made(self, transport) -> None:
        self.transport = transport

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due += 0.02
            for stream in list(self.streams):
                stream.tick()
            await asyncio.sleep(max(0.0, due - loop.time()))

    async def open_stream(self) -> MediaStream:
        loop = asyncio.get_running_loop()
        while self.free_ports:
            port = self.free_ports.pop(0)
            stream = MediaStream(port)
            try:
                await loop.create_datagram_endpoint(
                    lambda s=stream: s, local_addr=(self.host, port)
                )
            except OSError:
                continue  # taken by someone else: try the next one
            self.streams.add(stream)
            return stream
        raise RuntimeError("no free RTP port")

    def close_stream(self, stream: MediaStream) -> None:
        log.debug("stream %s closed: %s packets in", stream.port, stream.received)
        stream.close()
        if stream in self.streams:
            self.streams.discard(stream)
            self.free_ports.append(stream.port)

    def send(self, message: sip.Message, addr: tuple[str, int] | None) -> None:
        self._sendto(message.encode(), addr)

    def _sendto(self, data: bytes, addr: tuple[str, int] | None) -> None:
        """The one way out. A datagram to no address would not just fail: asyncio closes
        the transport on it, and with it every call of this node."""
        if addr is None:
            log.warning("not sent, no address: %s", data.split(b"\r\n", 1)[0])
        elif self.transport is not None:
            self.transport.sendto(data, addr)

    def answer(
        self, request: sip.Message, addr, status: int, *, dialog: Dialog | None = None, **kwargs
    ) -> sip.Message:
        """Our response to ``request``. A 2xx to an INVITE (``dialog``: the one it answers
        in) is resent until its ACK (``_until_acked``)."""
        response = sip.reply(request, status, **kwargs)
        data = response.encode()
        if request.method == "INVITE":
            _remember(self.sent_replies, (request.call_id, request.get("via")), data,
                      keep=SENT_REPLIES_KEPT)  # fmt: skip
            if 200 <= status < 300:
                key = (request.call_id, sip.tag(response.get("to")), request.cseq[0])
                self.unacked[key] = spawn(
                    self._until_acked(key, data, addr, dialog), f"{request.call_id}: our 2xx"
                )
        self._sendto(data, addr)
        return response

    async def _until_acked(self, key: tuple[str, str, int], data: bytes, addr, dialog) -> None:
        """Our 2xx to an INVITE resent after T1, 2*T1 … at most T2 apart, until its ACK
        cancels this (RFC 3261 §13.3.1.4): a 2xx lost on the way would leave the phone
        waiting and, for an offerless re-INVITE, its answer unsaid. No ACK in 64*T1: the
        phone is gone, the dialog hung up (``_ack_lost``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 64 * self.T1
        for interval in resend_gaps(self.T1, self.T2):
            await asyncio.sleep(interval)
            self._sendto(data, addr)
        await asyncio.sleep(max(0.0, deadline - loop.time()))
        self.unacked.pop(key, None)
        log.info("%s: no ACK to our 2xx (CSeq %s): hung up", key[0], key[2])
        if dialog is not None:
            self._ack_lost(dialog)

    def _ack_lost(self, dialog: Dialog) -> None:
        """The phone never ACKed our 2xx: our BYE, and the dialog's holder told as of the
        peer's BYE (its handler gets our BYE, with no address: nothing to answer)."""
        bye = dialog.request("BYE", self.contact, self.via)
        spawn(self._hang_up(bye), f"{dialog.call_id}: BYE, no ACK")
        handler = self.in_dialog.get(dialog.call_id)
        if handler is not None:
            handler(bye, None)
        self.end_dialog(dialog.call_id)

    def _acked(self, ack: sip.Message) -> bool:
        """The ACK of a 2xx of ours still resent: the resending stopped. False: a copy (the
        phone ACKs each 2xx it gets) or a stray one — what it carries was taken once."""
        key = (ack.call_id, sip.tag(ack.get("to")), ack.cseq[0])
        if (resending := self.unacked.pop(key, None)) is None:
            return False
        resending.cancel()
        return True

    async def transact(
        self,
        request: sip.Message,
        *,
        timeout: float = 32.0,
        on_provisional: Callable[[sip.Message], None] | None = None,
    ) -> sip.Message:
        """Send a request (not ACK) towards its first Route or its target; await the final
        response. Over UDP a datagram may be dropped (a peer's full receive buffer under a
        burst): resent after 0.5 s, 1 s, 2 s, 4 s … until a response (RFC 3261 timers A/E;
        an INVITE stops at its first provisional response)."""
        key = (request.call_id, request.cseq[0], request.method)
        future = asyncio.get_running_loop().create_future()
        self.waiting[key] = future
        heard = asyncio.Event()

        def provisional(response: sip.Message) -> None:
            heard.set()
            if on_provisional is not None:
                on_provisional(response)

        self.provisional[key] = provisional
        data, hop = request.encode(), self.next_hop(request)
        try:
            async with asyncio.timeout(timeout):
                interval = RFC_T1
                while True:
                    self._sendto(data, hop)
                    with contextlib.suppress(TimeoutError):
                        return await asyncio.wait_for(asyncio.shield(future), interval)
                    if heard.is_set() and request.method == "INVITE":
                        return await future
                    interval = min(interval * 2, RFC_T2)
        finally:
            self.waiting.pop(key, None)
            self.provisional.pop(key, None)

    def next_hop(self, request: sip.Message) -> tuple[str, int]:
        routes = request.all("route")
        return sip.host_port(routes[0] if routes else request.uri)

    def datagram_received(self, data: bytes, addr) -> None:
        try:
            message = sip.parse(data)
        except (ValueError, IndexError):
            return
        if not message.is_request:
            self._response(message)
        elif message.method == "INVITE" and (
            known := self.sent_replies.get((message.call_id, message.get("via")))
        ):  # a new call's INVITE or a re-INVITE resent: the same answer again, not a new one
            self._sendto(known, addr)
        elif message.method == "INVITE" and not sip.tag(message.get("to")):
            self.answer(message, addr, 100)
            spawn(self.on_call(self, message, addr), f"{message.call_id}: call")
        elif message.method == "ACK" and not self._acked(message):
            pass  # a copy of an ACK taken already: its answer (an offerless re-INVITE's) once
        elif (known := self.byes_answered.get((message.call_id, message.get("via")))) is not None:
            self._sendto(known, addr)  # a BYE again: our 200 was lost
        elif message.method == "INVITE" and self._inviting(message.call_id):
            self.answer(message, addr, 491)  # glare: ours came first (RFC 3261 §14.2)
        elif message.call_id in self.in_dialog:
            self.in_dialog[message.call_id](message, addr)
        elif message.method == "OPTIONS":
            self.answer(message, addr, 200)  # the dispatcher's keep-alive probe
        elif message.method == "MESSAGE" and self.on_message is not None:
            self.answer(message, addr, self.on_message(message))
        elif message.method != "ACK":
            self.answer(message, addr, 481)

    def hung_up(self, bye: sip.Message, addr) -> None:
        """The peer's BYE: answered 200 (the same again to its retransmissions, the dialog
        gone by then), the dialog ended. No ``addr``: our own BYE, sent as the phone never
        ACKed our 2xx (``_ack_lost``) — the dialog ends as well, nothing to answer."""
        if addr is not None:
            key = (bye.call_id, bye.get("via"))
            _remember(self.byes_answered, key, self.answer(bye, addr, 200).encode())
        self.end_dialog(bye.call_id)

    def _inviting(self, call_id: str) -> bool:
        return any(key[0] == call_id and key[2] == "INVITE" for key in self.waiting)

    def end_dialog(self, call_id: str) -> None:
        """A dialog over (BYE sent or received): its in-dialog handler released, and our
        requests still waiting in it (a re-INVITE the peer will never answer now) ended
        at once with ``DialogEnded``. A BYE's own transaction is left to finish."""
        self.in_dialog.pop(call_id, None)
        for key in [key for key in self.unacked if key[0] == call_id]:
            self.unacked.pop(key).cancel()  # our 2xx in it no longer resent
        for (waited, _number, method), future in self.waiting.items():
            if waited == call_id and method != "BYE" and not future.done():
                future.set_exception(DialogEnded(call_id))

    def _response(self, message: sip.Message) -> None:
        number, method = message.cseq
        key = (message.call_id, number, method)
        if message.status < 200:
            callback = self.provisional.get(key)
            if callback is not None:
                callback(message)
            return
        future = self.waiting.get(key)
        if future is not None and not future.done():
            future.set_result(message)
        elif method == "INVITE" and message.status < 300:
            # A 2xx retransmitted because our ACK was lost: ACK again through its dialog.
            handler = self.in_dialog.get(message.call_id)
            if handler is not None:
                handler(message, None)
            else:
                self.let_go(message)

    def let_go(self, answer: sip.Message) -> None:
        """A 2xx for an INVITE nobody waits for any more (it crossed our CANCEL, or came
        after the ring's time-out): ACK it, then BYE (RFC 3261 §15). A phone left without
        its ACK holds the call, and would be rung with the next one. Its retransmissions
        get the same ACK, and no second BYE."""
        ack = self.let_gone.get(answer.call_id)
        if ack is None:
            dialog = uac_dialog(answer, answer)  # the 2xx repeats the INVITE's From, CSeq
            # An answer in the ACK, its stream refused (port 0): the 2xx carried an offer.
            body = sip.make_sdp(self.host, 0, secrets.randbits(31))
            ack = dialog.request("ACK", self.contact, self.via, body)
            _remember(self.let_gone, answer.call_id, ack)
            bye = dialog.request("BYE", self.contact, self.via)
            spawn(self._hang_up(bye), f"{answer.call_id}: let go")
            log.info("%s answered after its ring ended: let go", answer.call_id)
        self.send(ack, self.next_hop(ack))

    async def _hang_up(self, bye: sip.Message) -> None:
        with contextlib.suppress(TimeoutError):
            await self.transact(bye, timeout=5.0)


def _remember(memory: dict, key, value, *, keep: int = LET_GONE_KEPT) -> None:
    """Kept for retransmissions, the oldest forgotten past ``keep``."""
    memory.pop(key, None)  # a new answer to the same request is the newest
    memory[key] = value
    while len(memory) > keep:
        del memory[next(iter(memory))]


def widen_receive_buffer(transport, size: int = 4 << 20) -> None:
    """A burst of requests (a hundred callers pressing keys at once) must not overflow the
    socket's queue: ask for more room (the kernel caps it at net.core.rmem_max)."""
    sock = transport.get_extra_info("socket")
    try:  # beyond the cap when the process may (CAP_NET_ADMIN), else up to it
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size)
    except OSError:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)


def uas_dialog(invite: sip.Message, local_tag: str) -> Dialog:
    return Dialog(
        call_id=invite.call_id,
        local=f"{invite.get('to')};tag={local_tag}",
        remote=invite.get("from"),
        target=sip.uri_of(invite.get("contact")),
        route=list(invite.all("record-route")),
        cseq=0,
    )


def uac_dialog(request: sip.Message, response: sip.Message) -> Dialog:
    """The dialog our INVITE made; an offer it carried is our description there."""
    dialog = Dialog(
        call_id=request.call_id,
        local=request.get("from"),
        remote=response.get("to"),
        target=sip.uri_of(response.get("contact")),
        route=list(reversed(response.all("record-route"))),
        cseq=request.cseq[0],
        owner=True,
    )
    if request.is_request and request.body:
        offeranswer.sent(dialog, request.body)
    return dialog


def resend_gaps(t1: float, t2: float) -> list[float]:
    """The waits between the sendings of a 2xx not ACKed (RFC 3261 §13.3.1.4): T1, 2*T1 …
    at most T2 each, as many as fit in 64*T1, the time after which the phone is taken
    for gone."""
    gaps, interval, total = [], t1, 0.0
    while total + interval < 64 * t1:
        gaps.append(interval)
        total += interval
        interval = min(interval * 2, t2)
    return gaps
