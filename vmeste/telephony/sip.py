"""SIP messages as the media application needs them: parse, build replies and requests.

Pure (no I/O). Only what a user agent behind our own Kamailio meets: UDP, one message
per datagram, compact header forms expanded, bodies sized by Content-Length.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

COMPACT = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
    "k": "supported",
}
REASONS = {
    100: "Trying",
    180: "Ringing",
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    404: "Not Found",
    481: "Call/Transaction Does Not Exist",
    486: "Busy Here",
    488: "Not Acceptable Here",
    491: "Request Pending",
    500: "Server Internal Error",
}


@dataclass
class Message:
    first_line: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""

    @property
    def is_request(self) -> bool:
        return not self.first_line.startswith("SIP/2.0")

    @property
    def method(self) -> str:
        if self.is_request:
            return self.first_line.split(" ", 1)[0]
        return self.cseq[1]

    @property
    def uri(self) -> str:
        return self.first_line.split(" ")[1]

    @property
    def status(self) -> int:
        return int(self.first_line.split(" ")[1]) if not self.is_request else 0

    def get(self, name: str, default: str = "") -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), default)

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    @property
    def call_id(self) -> str:
        return self.get("call-id")

    @property
    def cseq(self) -> tuple[int, str]:
        number, method = self.get("cseq", "0 NONE").split()
        return int(number), method

    def encode(self) -> bytes:
        body = self.body.encode()
        lines = [self.first_line]
        lines += [f"{_title(k)}: {v}" for k, v in self.headers if k != "content-length"]
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _title(name: str) -> str:
    if name == "call-id":
        return "Call-ID"
    if name == "cseq":
        return "CSeq"
    if name == "www-authenticate":
        return "WWW-Authenticate"
    return "-".join(part.capitalize() for part in name.split("-"))


def parse(data: bytes) -> Message:
    """One datagram → a message. Raises ValueError on what is not SIP."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("utf-8", "replace").split("\r\n")
    if len(lines[0].split(" ")) < 3:
        raise ValueError("not a SIP start line")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:  # folded continuation
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, _, value = line.partition(":")
        name = name.strip().lower()
        headers.append((COMPACT.get(name, name), value.strip()))
    message = Message(lines[0], headers)
    length = int(message.get("content-length", str(len(body))) or 0)
    message.body = body[:length].decode("utf-8", "replace")
    return message


def tag(value: str) -> str:
    found = re.search(r";\s*tag=([^;>\s]+)", value)
    return found.group(1) if found else ""


def uri_of(value: str) -> str:
    """The URI inside a name-addr (`"Ivanova" <sip:a@b>;tag=1` → `sip:a@b`)."""
    found = re.search(r"<([^>]+)>", value)
    return found.group(1) if found else value.split(";", 1)[0].strip()


def user_of(uri: str) -> str:
    found = re.match(r"sips?:([^@;>]+)@", uri_of(uri))
    return found.group(1) if found else ""


def host_port(uri: str) -> tuple[str, int]:
    """Where to send to reach a SIP URI (a loose-routing Route or a Contact)."""
    found = re.match(r"sips?:(?:[^@]+@)?([^:;>]+)(?::(\d+))?", uri_of(uri))
    if not found:
        raise ValueError(f"not a SIP URI: {uri}")
    return found.group(1), int(found.group(2) or 5060)


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


def reply(
    request: Message,
    status: int,
    *,
    to_tag: str = "",
    contact: str = "",
    body: str = "",
    extra: list[tuple[str, str]] | None = None,
) -> Message:
    """A response that copies what RFC 3261 §8.2.6 says to copy."""
    to = request.get("to")
    if to_tag and not tag(to):
        to = f"{to};tag={to_tag}"
    headers = [("via", v) for v in request.all("via")]
    headers += [("record-route", v) for v in request.all("record-route")]
    headers += [
        ("from", request.get("from")),
        ("to", to),
        ("call-id", request.call_id),
        ("cseq", request.get("cseq")),
    ]
    if contact:
        headers.append(("contact", f"<{contact}>"))
    headers += extra or []
    if body:
        headers.append(("content-type", "application/sdp"))
    return Message(f"SIP/2.0 {status} {REASONS.get(status, 'Unknown')}", headers, body)


@dataclass
class Sdp:
    address: str
    port: int
    payloads: list[int]
    event_payload: int | None


def parse_sdp(body: str) -> Sdp | None:
    address, port, payloads, event = "", 0, [], None
    for line in body.splitlines():
        if line.startswith("c=IN IP4 "):
            address = line.split()[-1]
        elif line.startswith("m=audio "):
            parts = line.split()
            port, payloads = int(parts[1]), [int(p) for p in parts[3:] if p.isdigit()]
        elif line.startswith("a=rtpmap:") and "telephone-event" in line:
            event = int(line.split(":", 1)[1].split()[0])
    if not address or not port:
        return None
    return Sdp(address, port, payloads, event)


def make_sdp(address: str, port: int, session: int, event_payload: int = 101) -> str:
    """G.711 A-law (and μ-law) with RFC 4733 telephone events, 20 ms packets."""
    return (
        f"v=0\r\no=vmeste {session} {session} IN IP4 {address}\r\ns=vmeste\r\n"
        f"c=IN IP4 {address}\r\nt=0 0\r\nm=audio {port} RTP/AVP 8 0 {event_payload}\r\n"
        f"a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
        f"a=rtpmap:{event_payload} telephone-event/8000\r\na=fmtp:{event_payload} 0-16\r\n"
        "a=ptime:20\r\na=sendrecv\r\n"
    )
