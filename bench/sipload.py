"""A SIP load generator for the media application spike: N callers at once, each answered,
listening for the prompt, pressing a key (RFC 4733), then handed over (a re-INVITE from a
back-to-back agent, or a REFER), then hanging up; and an "agent" that answers anything.

asyncio in one process, with the same SIP/RTP helpers as the media application
(``vmeste.telephony.sip``/``rtp``). What it records per call is what the criteria ask:
prompt start after the answer, the key heard (the hand-over follows it), the hand-over.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
from dataclasses import dataclass, field

from vmeste.telephony import rtp, sip

HOST = "127.0.0.1"
WINDOW = 1.0  # seconds of the prompt each caller listens to (its start and pacing)


@dataclass
class Result:
    answered: bool = False
    prompt_ms: float | None = None  # from the 200 OK to the prompt's first sound
    packets: int = 0
    max_gap_ms: float = 0.0  # the longest pause between two RTP packets while listening
    handed_over: bool = False  # re-INVITE or REFER after the key press
    handover_ms: float | None = None  # from the key press to the hand-over
    ended: bool = False
    error: str = ""


class Rtp(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None
        self.packets = 0
        self.max_gap = 0.0
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data, addr) -> None:
        now = time.monotonic()
        if self.first is None and data[12:] != rtp.SILENCE_ALAW:  # the prompt, not silence
            self.first = now
        elif self.last is not None:
            self.max_gap = max(self.max_gap, now - self.last)
        self.last = now
        self.packets += 1


@dataclass
class Pending:
    responses: asyncio.Queue = field(default_factory=asyncio.Queue)
    requests: asyncio.Queue = field(default_factory=asyncio.Queue)


def roomy(transport) -> None:
    """The harness must not be what drops datagrams: a big receive queue (root may force)."""
    import contextlib

    sock = transport.get_extra_info("socket")
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE


class SipPeer(asyncio.DatagramProtocol):
    """A SIP endpoint of the harness on its UDP socket: each datagram that parses as SIP goes
    to `received`; one that does not is dropped (the load is ours, garbage is not)."""

    transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        roomy(transport)

    def datagram_received(self, data, addr) -> None:
        try:
            message = sip.parse(data)
        except (ValueError, IndexError):
            return
        self.received(message, addr)

    def received(self, message: sip.Message, addr) -> None:
        raise NotImplementedError


class Load(SipPeer):
    def __init__(self, port: int) -> None:
        self.port = port
        self.calls: dict[str, Pending] = {}
        self.transport = None
        self.rtp_ports = iter(range(port + 2, port + 4000, 2))

    def received(self, message: sip.Message, addr) -> None:
        pending = self.calls.get(message.call_id)
        if pending is None:
            return
        message.received_at = time.monotonic()  # before any wait of ours
        if message.is_request:
            pending.requests.put_nowait((message, addr))
        else:
            pending.responses.put_nowait(message)

    def send(self, message: sip.Message, addr) -> None:
        self.transport.sendto(message.encode(), addr)

    async def call(
        self,
        target: tuple[str, int],
        *,
        listen: float,
        digit: str = "1",
        headers: list[tuple[str, str]] | None = None,
        user: str = "line",
    ) -> Result:
        result = Result()
        stream = Rtp()
        port = next(self.rtp_ports)
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: stream, local_addr=(HOST, port))
        call_id = f"{secrets.token_hex(8)}@bench"
        pending = self.calls[call_id] = Pending()
        invite = self._invite(target, call_id, port, user, headers or [])
        try:
            ok = await self._final(pending, 10, resend=(invite, target))
            if ok.status != 200:
                result.error = f"INVITE {ok.status}"
                return result
            result.answered = True
            contact = sip.uri_of(ok.get("contact"))
            self.send(self._in_dialog("ACK 1", invite, ok), sip.host_port(contact))
            pressed = await self._listen_and_press(result, stream, ok, port, listen, digit)
            await self._take_hand_over(result, pending, pressed, port)
            bye = self._in_dialog("BYE 2", invite, ok)
            done = await self._final(pending, 5, resend=(bye, sip.host_port(contact)))
            result.ended = done.status == 200
        except TimeoutError:
            result.error = result.error or "time-out"
        finally:
            stream.transport.close()
            self.calls.pop(call_id, None)
        return result

    def _invite(self, target, call_id: str, port: int, user: str, headers) -> sip.Message:
        return sip.Message(
            f"INVITE sip:{user}@{target[0]}:{target[1]} SIP/2.0",
            [
                ("via", f"SIP/2.0/UDP {HOST}:{self.port};branch={sip.new_branch()}"),
                ("max-forwards", "70"),
                ("from", f"<sip:79001234567@{HOST}>;tag={sip.new_tag()}"),
                ("to", f"<sip:{user}@{target[0]}>"),
                ("call-id", call_id),
                ("cseq", "1 INVITE"),
                ("contact", f"<sip:caller@{HOST}:{self.port}>"),
                *headers,
            ],
            sip.make_sdp(HOST, port, 1),
        )

    def _in_dialog(self, what: str, invite: sip.Message, ok: sip.Message) -> sip.Message:
        method, number = what.split()
        return sip.Message(
            f"{method} {sip.uri_of(ok.get('contact'))} SIP/2.0",
            [
                ("via", f"SIP/2.0/UDP {HOST}:{self.port};branch={sip.new_branch()}"),
                ("from", invite.get("from")),
                ("to", ok.get("to")),
                ("call-id", invite.call_id),
                ("cseq", f"{number} {method}"),
            ],
        )

    async def _listen_and_press(self, result, stream, ok, port, listen, digit) -> float:
        """Hear the prompt for a second (its start, its pacing), then stop reading — the
        harness must not spend its CPU on 50 packets a second per leg for nothing — and
        press the key when ``listen`` is over. Answers when the key was pressed."""
        await asyncio.sleep(min(listen, WINDOW))
        stream.transport.close()
        await asyncio.sleep(max(0.0, listen - WINDOW))
        if stream.first is not None:
            result.prompt_ms = (stream.first - ok.received_at) * 1000
        result.packets, result.max_gap_ms = stream.packets, stream.max_gap * 1000
        remote = sip.parse_sdp(ok.body)
        pressed = time.monotonic()
        seq, stamp = secrets.randbits(15), secrets.randbits(31)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.bind((HOST, port))  # from the port the offer named, as a phone would
            for packet in rtp.event_packets(digit, seq=seq, timestamp=stamp, ssrc=99):
                sender.sendto(packet, (remote.address, remote.port))
                await asyncio.sleep(0.02)
        return pressed

    async def _take_hand_over(self, result, pending, pressed: float, port: int) -> None:
        """The re-INVITE (back-to-back hand-over) or the REFER that follows the key."""
        request, addr = await asyncio.wait_for(pending.requests.get(), 15)
        result.handover_ms = (time.monotonic() - pressed) * 1000
        result.handed_over = request.method in ("INVITE", "REFER")
        invite = request.method == "INVITE"
        answer = sip.reply(
            request,
            200 if invite else 202,
            contact=f"sip:caller@{HOST}:{self.port}",
            body=sip.make_sdp(HOST, port, 2) if invite else "",
        )
        self.send(answer, addr)
        if invite:
            await asyncio.wait_for(pending.requests.get(), 5)  # its ACK

    async def _final(self, pending: Pending, timeout: float, resend) -> sip.Message:
        """The final response, the request sent again every 0.5 s until any response."""
        request, target = resend
        heard = False
        async with asyncio.timeout(timeout):
            while True:
                if not heard:
                    self.send(request, target)
                try:
                    message = await asyncio.wait_for(pending.responses.get(), 0.5)
                except TimeoutError:
                    continue
                heard = True
                if message.status >= 200:
                    return message


class Agent(SipPeer):
    """Answers every INVITE (offer or none) with an offer of its own; ACK, BYE: fine."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.transport = None
        self.answered = 0
        self.tags: dict[str, str] = {}  # a retransmitted INVITE gets the same answer

    def received(self, message: sip.Message, addr) -> None:
        if not message.is_request or message.method == "ACK":
            return
        body = sip.make_sdp(HOST, self.port + 2, 3) if message.method == "INVITE" else ""
        if message.method == "INVITE" and message.call_id not in self.tags:
            self.answered += 1
            self.tags[message.call_id] = sip.new_tag()
        tag = self.tags.get(message.call_id) or sip.new_tag()
        self.transport.sendto(
            sip.reply(
                message, 200, to_tag=tag, contact=f"sip:agent@{HOST}:{self.port}", body=body
            ).encode(),
            addr,
        )


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)
