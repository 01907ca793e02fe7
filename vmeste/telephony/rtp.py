"""RTP for the voice menu: G.711 frames out, RFC 4733 telephone events in.

Pure except ``synthesise`` (espeak-ng + sox). A prompt is raw 8 kHz A-law bytes: one byte a
sample, 160 bytes a 20 ms frame.
"""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

FRAME = 160  # bytes of A-law in 20 ms at 8 kHz
PCMA = 8
SILENCE_ALAW = b"\xd5" * FRAME
DIGITS = "0123456789*#ABCD"


def packet(
    payload_type: int, seq: int, timestamp: int, ssrc: int, payload: bytes, marker: bool = False
) -> bytes:
    return (
        struct.pack(
            "!BBHII",
            0x80,
            payload_type | (0x80 if marker else 0),
            seq & 0xFFFF,
            timestamp & 0xFFFFFFFF,
            ssrc,
        )
        + payload
    )


@dataclass(frozen=True)
class Header:
    payload_type: int
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes


def unpack(data: bytes) -> Header | None:
    if len(data) < 12 or data[0] >> 6 != 2:
        return None
    count = data[0] & 0x0F
    start = 12 + 4 * count
    if data[0] & 0x10 and len(data) >= start + 4:  # header extension
        start += 4 + 4 * struct.unpack("!H", data[start + 2 : start + 4])[0]
    _, second, seq, timestamp, ssrc = struct.unpack("!BBHII", data[:12])
    return Header(second & 0x7F, seq, timestamp, ssrc, data[start:])


class DigitReceiver:
    """RFC 4733 events → digits, each key press once.

    A press is a run of packets with one RTP timestamp (retransmitted end packets
    included); a new timestamp is a new press, so the same digit twice is seen twice."""

    def __init__(self, payload_type: int = 101) -> None:
        self.payload_type = payload_type
        self._seen: set[tuple[int, int]] = set()

    def feed(self, header: Header) -> str | None:
        if header.payload_type != self.payload_type or len(header.payload) < 4:
            return None
        event = header.payload[0]
        key = (header.ssrc, header.timestamp)
        if event >= len(DIGITS) or key in self._seen:
            return None
        self._seen.add(key)
        if len(self._seen) > 64:  # a call presses few keys; keep the set small anyway
            self._seen = set(sorted(self._seen, key=lambda k: k[1])[-32:])
        return DIGITS[event]


def event_packets(
    digit: str, *, seq: int, timestamp: int, ssrc: int, payload_type: int = 101, frames: int = 5
) -> list[bytes]:
    """A key press as a phone sends it: updates every 20 ms, then three end packets."""
    event = DIGITS.index(digit)
    out = []
    for i in range(frames):
        body = struct.pack("!BBH", event, 10, 160 * (i + 1))
        out.append(packet(payload_type, seq + i, timestamp, ssrc, body, marker=i == 0))
    end = struct.pack("!BBH", event, 0x80 | 10, 160 * frames)
    out += [packet(payload_type, seq + frames + i, timestamp, ssrc, end) for i in range(3)]
    return out


def synthesise(text: str, directory: Path, voice: str = "ru") -> Path:
    """Russian speech for a prompt not yet recorded: espeak-ng, then sox to 8 kHz A-law.
    Cached by the text: a prompt whose text changed gets a new file."""
    digest = hashlib.sha1(f"{voice}\n{text}".encode()).hexdigest()[:16]
    target = directory / f"{digest}.alaw"
    if target.exists():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    # Names of this writer's own: two processes may say the same text at once.
    mine = f"{os.getpid()}-{secrets.token_hex(4)}"
    wav = directory / f"{digest}.{mine}.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-w", str(wav), text],
        check=True,
        capture_output=True,
        timeout=30,
    )
    partial = directory / f"{digest}.{mine}.part.al"
    subprocess.run(
        ["sox", str(wav), "-r", "8000", "-c", "1", "-e", "a-law", "-t", "al", str(partial)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    partial.replace(target)
    wav.unlink(missing_ok=True)
    return target


def can_synthesise() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def alaw(sample: int) -> int:
    """One 16-bit linear sample as a G.711 A-law byte (ITU-T G.711: 13-bit magnitude,
    segment by the highest set bit, every even bit inverted on the wire)."""
    sign = 0x80 if sample >= 0 else 0x00
    magnitude = min(abs(sample) >> 3, 0x0FFF)
    if magnitude < 32:
        code = magnitude >> 1
    else:
        segment = magnitude.bit_length() - 5  # 1 … 7
        code = (segment << 4) | ((magnitude >> segment) & 0x0F)
    return (code | sign) ^ 0x55


def hold_music(seconds: float = 8.0) -> bytes:
    """Music on hold made here, nothing fetched: a slow, quiet arpeggio of sine tones
    (A minor, 0.4 s a note with a short fade in and out so the notes do not click)."""
    notes = [220.0, 261.63, 329.63, 440.0, 329.63, 261.63]
    note_samples, rate, out = 3200, 8000, bytearray()
    for i in range(int(seconds * rate / note_samples)):
        frequency = notes[i % len(notes)]
        for n in range(note_samples):
            fade = min(1.0, n / 400, (note_samples - n) / 400)
            value = 6000 * fade * math.sin(2 * math.pi * frequency * n / rate)
            out.append(alaw(int(value)))
    return bytes(out)
