"""Our side of each dialog's offer/answer (RFC 3264), on every leg the node holds.

A dialog (``useragent.Dialog``) keeps the media description we give in it (``sdp``: our
answer to the caller, our music's offer, or the other party's description relayed when
we bridge) and the origin line of the first one: every description we send in a dialog
keeps that origin and increments its version (§8), whoever made it. A relayed one carries
another phone's origin: unchanged, the phone in this dialog would see a new session.

A re-INVITE of the peer's (a session refresh, a hold or unhold, on the caller's leg, an
agent's, a specialist's) is answered from that description: an offer gets our answer in
the 200, in the direction the offer leaves us (§6.1: sendonly → recvonly, inactive →
inactive, recvonly → sendonly); no offer gets our description as the offer in the 200 and
the peer's answer comes in its ACK (RFC 3261 §14.2). When the description is our own
stream's (the menu, the queue's music) the stream follows: its far end, and nothing sent
while the peer takes nothing. When it is the other party's (bridged: media flows phone to
phone through rtpengine) the answer is ours alone and the other phone is not re-INVITEd: a
hold only stops what the holding phone plays, and rtpengine anchors every leg, so the
address the node sees for a phone stays the same whatever the phone's own does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vmeste.telephony import sip

if TYPE_CHECKING:
    from vmeste.telephony.mediastream import MediaStream
    from vmeste.telephony.useragent import Dialog, UserAgent

MODES = {
    "sendrecv": {"send", "recv"},
    "sendonly": {"send"},
    "recvonly": {"recv"},
    "inactive": set(),
}
HELD_ADDRESS = "0.0.0.0"  # RFC 2543's hold: the offerer takes no media


def direction(body: str) -> str:
    """The direction a description asks for (one audio stream: its last attribute wins);
    a connection address of 0.0.0.0 receives nothing."""
    found, modes = "sendrecv", None
    for line in body.splitlines():
        attribute = line.strip().removeprefix("a=")
        if line.startswith("a=") and attribute in MODES:
            found = attribute
        elif line.startswith("c=") and line.split()[-1] == HELD_ADDRESS:
            modes = {"send"}
    return _named(MODES[found] & modes) if modes is not None else found


def answering(offered: str, ours: str) -> str:
    """Our direction in answer to an offer's: we send only what the offerer takes, take only
    what it sends, and never more than our own description allows."""
    theirs, mine = MODES[offered], MODES[ours]
    modes = {"send"} if "recv" in theirs and "send" in mine else set()
    if "send" in theirs and "recv" in mine:
        modes.add("recv")
    return _named(modes)


def _named(modes: set[str]) -> str:
    return next(name for name, these in MODES.items() if these == modes)


def ours(dialog: Dialog, body: str, mode: str = "") -> str:
    """``body`` as we send it in ``dialog``: its origin line the dialog's, the version one
    up from the last we sent (the first description sent sets the origin); ``mode`` its
    direction. Not recorded as the dialog's description: the sender does that once the
    peer took it."""
    if not body:
        return body
    lines = body.splitlines()
    if mode:
        lines = [line for line in lines if line.removeprefix("a=") not in MODES] + [f"a={mode}"]
    at = next((i for i, line in enumerate(lines) if line.startswith("o=")), None)
    if at is not None:
        if dialog.origin is None:
            dialog.origin = lines[at][2:].split()
        else:
            dialog.origin[2] = str(int(dialog.origin[2]) + 1)
            lines[at] = "o=" + " ".join(dialog.origin)
    return "\r\n".join(lines) + "\r\n"


def sent(dialog: Dialog, body: str) -> str:
    """``body`` sent in ``dialog`` and taken (our answer, or our offer answered): stamped
    (``ours``) and kept as the dialog's description."""
    body = ours(dialog, body)
    if body:
        dialog.sdp = body
    return body


def in_dialog(
    ua: UserAgent, dialog: Dialog | None, request: sip.Message, addr, stream: MediaStream | None
) -> None:
    """A request of the peer's in ``dialog`` other than BYE or REFER: a re-INVITE (or an
    UPDATE with an offer) answered with SDP, the answer in an ACK heard, anything else 200.
    ``dialog`` None: a leg let go (our BYE on its way) — a new offer there gets 481."""
    method = request.method
    if method == "ACK":  # only the first ACK of our 2xx comes here (``UserAgent._acked``)
        if dialog is not None and request.body:  # the answer to the offer in our 200
            follow(dialog, stream, request.body)
    elif method == "INVITE" or (method == "UPDATE" and request.body):
        if dialog is None:
            ua.answer(request, addr, 481)
        else:
            _reinvited(ua, dialog, request, addr, stream)
    else:
        ua.answer(request, addr, 200)


def _reinvited(
    ua: UserAgent, dialog: Dialog, request: sip.Message, addr, stream: MediaStream | None
) -> None:
    offer = request.body
    if not dialog.sdp:  # no description of ours yet: our own offer or answer under way
        ua.answer(request, addr, 491)  # RFC 3261 §14.2
        return
    if not offer:  # the peer asks for our offer: our description, whole
        ua.answer(
            request, addr, 200, dialog=dialog, contact=ua.contact, body=ours(dialog, dialog.sdp)
        )
        return
    parsed = sip.parse_sdp(offer)
    common = formats_of(dialog.sdp, parsed.payloads) if parsed is not None else None
    if common is None:
        ua.answer(request, addr, 488)  # nothing we can answer: the session stays as it was
        return
    mode = answering(direction(offer), direction(dialog.sdp))
    ua.answer(
        request, addr, 200, dialog=dialog, contact=ua.contact, body=ours(dialog, common, mode)
    )
    follow(dialog, stream, offer)


def formats_of(body: str, offered: list[int]) -> str | None:
    """Our description with only the formats the offer lists (§6.1: an answer's are a
    subset of the offer's), their rtpmap and fmtp lines with them; None: none in common."""
    lines, kept = [], []
    for line in body.splitlines():
        if line.startswith("m="):
            words = line.split()
            kept = [f for f in words[3:] if f.isdigit() and int(f) in offered]
            line = " ".join(words[:3] + kept)
        elif (
            line.startswith(("a=rtpmap:", "a=fmtp:"))
            and line[2:].split()[0].split(":")[1] not in kept
        ):
            continue  # a format the offer lacks
        lines.append(line)
    return "\r\n".join(lines) + "\r\n" if kept else None


def follow(dialog: Dialog, stream: MediaStream | None, theirs: str) -> None:
    """Our stream, when the dialog's media is ours, aimed where the peer now takes media
    (``theirs``: its offer or answer) and silent while it takes none."""
    media, mine = sip.parse_sdp(theirs), sip.parse_sdp(dialog.sdp)
    if stream is None or media is None or mine is None or mine.port != stream.port:
        return  # the other party's media (bridged): theirs to follow, through rtpengine
    if media.address != HELD_ADDRESS:
        stream.remote = (media.address, media.port)
    if media.event_payload is not None:
        stream.receiver.payload_type = media.event_payload
    stream.held = "recv" not in MODES[direction(theirs)]
