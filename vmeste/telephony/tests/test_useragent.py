"""The media application's one SIP socket survives a message it has no address for.

Under load a peer's 2xx comes again (our ACK was late); the flow then has no address to
answer to. Handing ``None`` to asyncio's datagram transport does not fail that one send:
the transport is closed, and every later call of the node gets 408 (found by the SIPp
bench at 5 calls/s). Real UDP sockets on loopback."""

from __future__ import annotations

import asyncio
import socket

from vmeste.telephony import sip
from vmeste.telephony.tests.sipedge import free_range, free_udp_ports
from vmeste.telephony.useragent import UserAgent

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
