"""The media application's one SIP socket survives a message it has no address for.

Under load a peer's 2xx comes again (our ACK was late); the flow then has no address to
answer to. Handing ``None`` to asyncio's datagram transport does not fail that one send:
the transport is closed, and every later call of the node gets 408 (found by the SIPp
bench at 5 calls/s). Real UDP sockets on loopback."""

from __future__ import annotations

import asyncio
import socket

from vmeste.telephony import legs, sip
from vmeste.telephony.tests.sipedge import free_range, free_udp_ports
from vmeste.telephony.useragent import Dialog, UserAgent

HOST = "127.0.0.1"


def options(peer_port: int, ua_port: int) -> sip.Message:
    return sip.parse(
        (
            f"OPTIONS sip:{HOST}:{ua_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {HOST}:{peer_port};branch=z9hG4bK-probe\r\n"
            f"From: <sip:probe@{HOST}>;tag=p\r\nTo: <sip:media@{HOST}>\r\n"
            "Call-ID: probe-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 5\r\nContent-Length: 0\r\n\r\n"
        ).encode()
    )


async def _nowhere_then_somewhere() -> bytes:
    ua_port, peer_port = free_udp_ports(2)

    async def no_calls(*_args) -> None:
        return None

    ua = UserAgent(host=HOST, port=ua_port, rtp_ports=free_range(4), on_call=no_calls)
    await ua.start()
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind((HOST, peer_port))
    peer.settimeout(5)
    try:
        request = options(peer_port, ua_port)
        ua.answer(request, None, 200)  # a reply with nowhere to go
        ua.send(request, None)
        await asyncio.sleep(0.1)  # the transport would close on its next turn
        assert ua.transport is not None and not ua.transport.is_closing()
        ua.answer(request, (HOST, peer_port), 200)
        return await asyncio.get_running_loop().run_in_executor(None, peer.recv, 4096)
    finally:
        peer.close()
        ua.close()


def test_a_message_with_no_address_is_dropped_and_the_socket_keeps_serving():
    heard = asyncio.run(_nowhere_then_somewhere())
    assert heard.startswith(b"SIP/2.0 200")


def in_dialog(method: str, peer_port: int, ua_port: int, branch: str, cseq: int) -> bytes:
    """A request of the peer's in the dialog ``d-1`` (its To carries our tag)."""
    return (
        f"{method} sip:media@{HOST}:{ua_port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {HOST}:{peer_port};branch={branch}\r\n"
        f"From: <sip:peer@{HOST}>;tag=p\r\nTo: <sip:media@{HOST}>;tag=m\r\n"
        f"Call-ID: d-1\r\nCSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n"
    ).encode()


async def _the_dialog_of_a_peer() -> tuple[list[bytes], list[str], list[str]]:
    """A peer in dialog ``d-1`` with the user agent (whose handler answers with ``hung_up``
    on BYE): it re-INVITEs while our re-INVITE waits, then hangs up, then sends its BYE
    again (our 200 lost), then a new BYE. The first lines of what it got, the dialogs the
    agent holds after the BYE, and how our waiting re-INVITE ended."""
    ua_port, peer_port = free_udp_ports(2)

    async def no_calls(*_args) -> None:
        return None

    ua = UserAgent(host=HOST, port=ua_port, rtp_ports=free_range(4), on_call=no_calls)
    await ua.start()
    ua.in_dialog["d-1"] = lambda message, addr: ua.hung_up(message, addr)
    dialog = Dialog("d-1", f"<sip:media@{HOST}>;tag=m", f"<sip:peer@{HOST}>;tag=p",
                    f"sip:peer@{HOST}:{peer_port}")  # fmt: skip
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind((HOST, peer_port))
    loop = asyncio.get_running_loop()

    async def heard() -> bytes:  # the next datagram that is not our re-INVITE resent
        while (data := await loop.sock_recv(peer, 4096)).startswith(b"INVITE"):
            pass
        return data.split(b"\r\n", 1)[0]

    peer.setblocking(False)
    try:
        ours = asyncio.create_task(legs.reinvite(ua, dialog, "v=0\r\n"))
        await loop.sock_recv(peer, 4096)  # our re-INVITE: not answered
        got = []
        for method, branch, cseq in [("INVITE", "z9hG4bK-g", 7), ("BYE", "z9hG4bK-b", 8),
                                     ("BYE", "z9hG4bK-b", 8), ("BYE", "z9hG4bK-c", 9)]:  # fmt: skip
            peer.sendto(in_dialog(method, peer_port, ua_port, branch, cseq), (HOST, ua_port))
            got.append(await asyncio.wait_for(heard(), 5))
            if method == "BYE" and cseq == 8:
                held = sorted(ua.in_dialog)
        return got, held, [repr(await asyncio.wait_for(ours, 5))]
    finally:
        peer.close()
        ua.close()


def test_a_peers_dialog_glare_bye_resent_and_our_reinvite_crossed():
    """Its re-INVITE while ours waits: 491 (RFC 3261 §14.2). Its BYE: 200, the dialog
    released; the same BYE again (our 200 lost): 200 again; a new one on the gone dialog:
    481. Our re-INVITE, never answered, ends at the BYE: None, at once."""
    got, held, ours = asyncio.run(_the_dialog_of_a_peer())
    assert got == [b"SIP/2.0 491 Request Pending", b"SIP/2.0 200 OK", b"SIP/2.0 200 OK",
                   b"SIP/2.0 481 Call/Transaction Does Not Exist"]  # fmt: skip
    assert held == [] and ours == ["None"]


def invite(peer_port: int, ua_port: int, n: int) -> bytes:
    return (
        f"INVITE sip:{HOST}:{ua_port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {HOST}:{peer_port};branch=z9hG4bK-call{n}\r\n"
        f"From: <sip:caller@{HOST}>;tag=c{n}\r\nTo: <sip:media@{HOST}>\r\n"
        f"Call-ID: call-{n}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 5\r\nContent-Length: 0\r\n\r\n"
    ).encode()


async def _many_calls(count: int) -> tuple[int, list[str]]:
    ua_port, peer_port = free_udp_ports(2)
    calls: list[str] = []

    async def taken(_ua, message: sip.Message, _addr) -> None:
        calls.append(message.call_id)

    ua = UserAgent(host=HOST, port=ua_port, rtp_ports=free_range(4), on_call=taken)
    await ua.start()
    try:
        for n in range(count):  # what the socket would hand over, without the wire's pace
            ua.datagram_received(invite(peer_port, ua_port, n), (HOST, peer_port))
        ua.datagram_received(invite(peer_port, ua_port, count - 1), (HOST, peer_port))
        await asyncio.sleep(0)  # the calls' tasks run
        return len(ua.sent_replies), calls
    finally:
        ua.close()


def test_the_answers_kept_for_resent_invites_are_bounded_and_a_resent_one_is_no_new_call(
    monkeypatch,
):
    from vmeste.telephony import useragent

    monkeypatch.setattr(useragent, "SENT_REPLIES_KEPT", 50)
    kept, calls = asyncio.run(_many_calls(120))
    assert kept == 50  # the node's memory no longer grows with every call it takes
    assert len(calls) == 120 and calls[-1] == "call-119"  # the copy of the last: not a call
