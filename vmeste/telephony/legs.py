"""The media application's outgoing legs: an INVITE through the edge to an agent's phone or
a number, rung for a while then cancelled, its ACKs and its BYE. Shared by the callers'
hand-over (``callflow``) and the callbacks Vmeste places (``callbacks``)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets

from vmeste.telephony import offeranswer, sip
from vmeste.telephony.useragent import Dialog, DialogEnded, UserAgent

RING_SECONDS = 20.0
REINVITE_SECONDS = 10.0  # a re-INVITE's answer awaited, glare's waits and retries included


def invite(
    ua: UserAgent, user: str, edge: tuple[str, int], *, caller: str, call_id: str, body: str = ""
) -> sip.Message:
    """An INVITE for ``sip:user@edge`` (an agent's username or a number), from ``caller``,
    naming the call it serves (``X-Vmeste-Call``); without an offer unless ``body``."""
    return request(
        ua, "INVITE", user, edge, sender=f"sip:{caller or 'anonymous'}@{ua.host}",
        extra=[("contact", f"<{ua.contact}>"), ("x-vmeste-call", call_id)], body=body,
    )  # fmt: skip


def request(
    ua: UserAgent,
    method: str,
    user: str,
    to: tuple[str, int],
    *,
    sender: str,
    extra: list[tuple[str, str]],
    body: str = "",
    hops: int = 70,
) -> sip.Message:
    """A request of ours outside any dialog, for ``sip:user@host:port``, from ``sender``."""
    host, port = to
    return sip.Message(
        f"{method} sip:{user}@{host}:{port} SIP/2.0",
        [
            ("via", f"SIP/2.0/UDP {ua.via};branch={sip.new_branch()};rport"),
            ("max-forwards", str(hops)),
            ("from", f"<{sender}>;tag={sip.new_tag()}"),
            ("to", f"<sip:{user}@{host}>"),
            ("call-id", f"{secrets.token_hex(10)}@{ua.host}"),
            ("cseq", f"1 {method}"),
            *extra,
        ],
        body,
    )


async def ring(ua: UserAgent, request: sip.Message, seconds: float | None = None):
    """Send the INVITE; the 2xx answer, or None (refused, busy, not answered in time:
    cancelled; a failure's ACK sent). Cancelled itself, it cancels the INVITE."""
    try:
        response = await ua.transact(request, timeout=seconds or RING_SECONDS)
    except TimeoutError:
        cancel(ua, request)
        return None
    except asyncio.CancelledError:
        # Whoever stopped the ring (the caller hung up, the node stops), the phone must
        # stop ringing: else it answers a call nobody holds while Vmeste, told the caller
        # is gone, rings it with the next one. An answer crossing the CANCEL is let go by
        # the user agent (``UserAgent.let_go``).
        cancel(ua, request)
        raise
    if response.status >= 300:
        ack_failure(ua, request, response)
        return None
    return response


def ack(ua: UserAgent, dialog: Dialog, body: str) -> sip.Message:
    """The ACK of a 2xx, sent; kept by the caller to send again, the same, if the 2xx comes
    again (RFC 3261 §13.2.2.4: a new ACK, with a new branch, is a new message to the
    phone, which may take it for a stray request and drop the call)."""
    message = dialog.request("ACK", ua.contact, ua.via, offeranswer.sent(dialog, body))
    ua.send(message, ua.next_hop(message))
    return message


def ack_failure(ua: UserAgent, request: sip.Message, response: sip.Message) -> None:
    """The ACK of a failed INVITE belongs to its transaction: same Via branch."""
    _same_transaction(ua, request, "ACK", response.get("to"))


def cancel(ua: UserAgent, request: sip.Message) -> None:
    _same_transaction(ua, request, "CANCEL", request.get("to"))


def _same_transaction(ua: UserAgent, request: sip.Message, method: str, to: str) -> None:
    headers = [
        ("via", request.get("via")),
        ("max-forwards", "70"),
        ("from", request.get("from")),
        ("to", to),
        ("call-id", request.call_id),
        ("cseq", f"{request.cseq[0]} {method}"),
    ]
    ua.send(sip.Message(f"{method} {request.uri} SIP/2.0", headers), ua.next_hop(request))


async def reinvite(ua: UserAgent, dialog: Dialog, offer: str = "") -> sip.Message | None:
    """Re-INVITE ``dialog`` with ``offer`` (none: the peer is asked for a fresh one); its 2xx,
    not ACKed yet, or None: refused (that answer ACKed), not answered in time, or the leg
    ended meanwhile (a BYE crossed it: whoever handled the BYE has taken the call on).
    Glare, a 491 (the peer re-INVITEd us at the same moment), is tried again after
    RFC 3261 §14.1's random wait. The offer goes with the dialog's origin (``offeranswer``),
    the same one each try, and is the dialog's description once answered."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REINVITE_SECONDS
    offer = offeranswer.ours(dialog, offer)
    while (left := deadline - loop.time()) > 0:
        request = dialog.request("INVITE", ua.contact, ua.via, offer)
        try:
            answer = await ua.transact(request, timeout=left)
        except (TimeoutError, DialogEnded):
            return None
        if answer.status < 300:
            dialog.sdp = offer or dialog.sdp
            return answer
        ack_failure(ua, request, answer)
        if answer.status != 491:
            return None
        await asyncio.sleep(glare_wait(dialog))
    return None


def glare_wait(dialog: Dialog) -> float:
    """RFC 3261 §14.1: 2.1 to 4 s for the Call-ID's owner, else up to 2 s, in 10 ms steps,
    so the two sides do not collide again."""
    if dialog.owner:
        return (210 + secrets.randbelow(191)) / 100
    return secrets.randbelow(201) / 100


async def bye(ua: UserAgent, dialog: Dialog | None) -> None:
    """Hang the leg up; its dialog over either way, its handler released once our BYE is
    answered or given up on (a BYE of the phone's crossing ours still reaches it)."""
    if dialog is None:
        return
    try:
        with contextlib.suppress(TimeoutError):
            await ua.transact(dialog.request("BYE", ua.contact, ua.via), timeout=5)
    finally:
        ua.end_dialog(dialog.call_id)
