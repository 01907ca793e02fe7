"""One leg's RTP as the media application plays and hears it (``useragent`` paces every
leg's stream on one clock)."""

from __future__ import annotations

import asyncio
import secrets
import time

from vmeste.telephony import rtp


class MediaStream(asyncio.DatagramProtocol):
    """One leg's RTP: plays A-law frames when told, hears RFC 4733 key presses."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.remote: tuple[str, int] | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.digits: asyncio.Queue[str] = asyncio.Queue()
        self.receiver = rtp.DigitReceiver()
        self.ssrc = secrets.randbits(32)
        self.seq = secrets.randbits(16)
        self.timestamp = secrets.randbits(32)
        self.audio: bytes = b""
        self.position = 0
        self.repeat = False
        self.finished: asyncio.Future | None = None
        self.first_frame_at: float | None = None
        self.received = 0
        self.sending = True  # off once the caller talks to the agent: nothing of ours to say
        # The far end takes nothing for now (its hold: sendonly, inactive): what plays runs
        # on in time, unsent, so a prompt still ends when it would have (RFC 3264 §6.1).
        self.held = False
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        self.received += 1
        # Most packets are the caller's voice, not key presses: judged by their payload
        # type byte before any parsing (a menu leg hears 50 of them a second).
        if len(data) < 12 or data[1] & 0x7F != self.receiver.payload_type:
            return
        header = rtp.unpack(data)
        if header is not None:
            digit = self.receiver.feed(header)
            if digit is not None:
                self.digits.put_nowait(digit)

    def play(self, audio: bytes, *, repeat: bool = False) -> asyncio.Future:
        """Start (or replace) what this leg hears; the future is done at its end, or at
        once (False) on a closed stream: nothing ticks it any more, and whoever awaited
        it (a goodbye after the caller hung up) waited for good."""
        if self.finished is not None and not self.finished.done():
            self.finished.set_result(False)
        self.audio, self.position, self.repeat = audio, 0, repeat
        self.sending = True
        self.finished = asyncio.get_running_loop().create_future()
        if self.closed:
            self.finished.set_result(False)
        return self.finished

    def stop(self) -> None:
        self.play(b"")

    def hush(self) -> None:
        """Send nothing more until told to play: the caller is put through to the agent,
        whose media now reaches them, and our silence would be 50 packets a second of
        work for nobody (half the legs of a busy node are such calls)."""
        self.stop()
        self.sending = False

    def tick(self) -> None:
        if not self.sending or self.transport is None:
            return
        frame = self.audio[self.position : self.position + rtp.FRAME] if self.audio else b""
        if frame:
            self.position += rtp.FRAME
            if self.position >= len(self.audio):
                if self.repeat:
                    self.position = 0
                else:
                    self.audio = b""
                    if self.finished is not None and not self.finished.done():
                        self.finished.set_result(True)
            frame = frame.ljust(rtp.FRAME, b"\xd5")
            if self.first_frame_at is None:
                self.first_frame_at = time.monotonic()
        else:
            frame = rtp.SILENCE_ALAW  # keep the stream alive (NAT, rtpengine timeouts)
        # Played on time even to nobody (no address yet, or the far end holds us): the
        # prompt's end still comes, and the timestamps go on across the gap.
        if self.remote is not None and not self.held:
            packet = rtp.packet(rtp.PCMA, self.seq, self.timestamp, self.ssrc, frame)
            self.transport.sendto(packet, self.remote)
            self.seq += 1
        self.timestamp += rtp.FRAME

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()
        if self.finished is not None and not self.finished.done():
            self.finished.set_result(False)
