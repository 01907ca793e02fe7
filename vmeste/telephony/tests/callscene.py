"""The media node's stand-in scene, shared by the call-flow tests: the node on loopback UDP
with a fake Vmeste (the conftest's voice menu, agents rung in the order given, every event
kept), prompts of a fixed length, and scripted peers for the caller and the agents' phones
(no Kamailio, no real SIP phone). The steps a caller or a phone takes and the waits on the
node are here too, so that each test reads as the call it plays."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from vmeste.telephony import rtp, sip
from vmeste.telephony.callflow import Caller, MediaApplication
from vmeste.telephony.tests.conftest import MENU
from vmeste.telephony.tests.sipedge import free_range, free_udp_ports

HOST = "127.0.0.1"
SPECIALIST = "74951112233"  # the outside number a warm transfer consults


def media_menu(document: dict = MENU) -> dict:
    """The conftest's menu in the shape the edge's menu endpoint answers; quick time-outs."""
    nodes = {}
    for node in document["nodes"]:
        nodes[node["id"]] = {
            "kind": node["kind"],
            "label": node.get("label", ""),
            "prompt": node.get("prompt", ""),
            "audio": "",
            "timeout_seconds": 0.3,
            "replays": node.get("replays", 2),
            "default": node.get("default") or "0",
            "options": {o["digit"]: o["to"] for o in node.get("options", [])},
            **{k: node.get(k, "") for k in ("queue", "article", "number", "next")},
        }
    return {"line": "we-are-together", "is_open": True, "entry": document["start"],
            "operator_queue": document["operator_queue"], "nodes": nodes,
            "centre": "nat"}  # fmt: skip


class FakeVmeste:
    """Vmeste as the media application sees it: the conftest's menu, agents rung in order,
    every event kept; ``offer_callback``: the answer to ``call_offered`` offers a callback."""

    def __init__(self, agents: list[str], offer_callback: bool = False) -> None:
        self.agents = list(agents)  # who is rung next, in order
        self.events: list[tuple] = []
        self.offer_callback = offer_callback
        self.asked: list[str] = []

    async def menu(self, line: str) -> dict:
        return media_menu()

    async def queue_status(self, call_id: str) -> dict:
        self.asked.append(call_id)
        return {"call_id": call_id, "state": "waiting", "position": 3,
                "expected_wait_seconds": 250}  # fmt: skip

    def _ring(self, call_id: str) -> dict:
        if not self.agents:
            return {"rung": []}
        return {"rung": [{"call_id": call_id, "agent": self.agents.pop(0), "callback": False}]}

    async def event(self, type: str, call_id: str, **data) -> dict:
        self.events.append((type, call_id, data))
        if type == "call_transferred" and data.get("to_queue"):
            return self._ring(call_id)  # the next agent, of the queue transferred to
        if type != "call_offered":
            return {"rung": []}
        offers = [call_id] if self.offer_callback else []
        return {**self._ring(call_id), "callback_offers": offers}

    async def agent_event(self, agent: str, event: str) -> dict:
        self.events.append(("agent_state", agent, event))
        return self._ring(self.last_call) if event == "no_answer" else {"rung": []}

    @property
    def last_call(self) -> str:
        return next(e[1] for e in reversed(self.events) if e[0] == "call_offered")

    async def heartbeat(
        self, node: str = "", calls: list[str] | None = None, menu: list[dict] | None = None
    ) -> dict:
        self.beats = [*getattr(self, "beats", []), (node, list(calls or []))]
        self.menus = [*getattr(self, "menus", []), list(menu or [])]
        return {"rung": []}

    async def callbacks_due(self) -> list[dict]:
        """The callbacks given to agents (``due``: set by the test), not yet placed."""
        return list(getattr(self, "due", []))

    async def transfers(self, call_ids: list[str]) -> list[dict]:
        """The transfers asked from the site (``ordered``), each given once."""
        self.claimed_for = call_ids
        taken = [o for o in getattr(self, "orders", []) if o["call_id"] in call_ids]
        self.orders = [o for o in getattr(self, "orders", []) if o not in taken]
        return taken


class Prompts:
    """Every prompt 0.2 s of sound; what was said kept."""

    def __init__(self) -> None:
        self.said: list[str] = []

    async def audio(self, text: str) -> bytes:
        self.said.append(text)
        return b"\x55" * rtp.FRAME * 10

    async def sound(self, node: dict) -> bytes:
        return await self.audio(node["prompt"])

    def music(self) -> bytes:
        return b"\x2a" * rtp.FRAME * 5


class Peer(asyncio.DatagramProtocol):
    """A caller or an agent's phone, scripted by the test."""

    def __init__(self, busy: set[str] = frozenset()) -> None:
        self.requests: asyncio.Queue = asyncio.Queue()
        self.responses: asyncio.Queue = asyncio.Queue()
        self.busy = busy
        self.rung: list[str] = []
        self.invites: dict[str, tuple[sip.Message, str]] = {}  # agent → INVITE, our tag

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data, addr) -> None:
        message = sip.parse(data)
        if not message.is_request:
            self.responses.put_nowait(message)
            return
        if message.method == "INVITE" and not sip.tag(message.get("to")):  # an agent rung
            agent = sip.user_of(message.uri)
            self.rung.append(agent)
            status = 486 if agent in self.busy else 200
            tag = sip.new_tag()
            self.invites[agent] = (message, tag)
            body = "" if status != 200 else sip.make_sdp(HOST, 4000, 1)
            self.transport.sendto(
                sip.reply(
                    message,
                    status,
                    to_tag=tag,
                    contact=f"sip:{agent}@{HOST}:{self.port}",
                    body=body,
                ).encode(),
                addr,
            )
            return
        if message.method not in ("ACK",):
            body = sip.make_sdp(HOST, 4002, 2) if message.method == "INVITE" else ""
            self.transport.sendto(
                sip.reply(message, 200, body=body, contact=f"sip:x@{HOST}:{self.port}").encode(),
                addr,
            )
        self.requests.put_nowait(message)

    @property
    def port(self) -> int:
        return self.transport.get_extra_info("sockname")[1]


async def scene(
    agents: list[str],
    busy: set[str] = frozenset(),
    offer_callback: bool = False,
    phone: Callable[[], Peer] | None = None,
) -> tuple[MediaApplication, FakeVmeste, Peer, Peer]:
    """The node started with a fake Vmeste ringing ``agents`` in turn; the agents' phones
    (``busy`` ones answer 486; ``phone`` makes them otherwise) and a caller, not yet dialled."""
    sip_port, agent_port = free_udp_ports(2)
    vmeste = FakeVmeste(agents, offer_callback)
    app = MediaApplication(
        host=HOST,
        sip_port=sip_port,
        rtp_ports=free_range(40),
        edge=(HOST, agent_port),
        vmeste=vmeste,
        prompts=None,
    )
    app.prompts = Prompts()
    await app.start()
    loop = asyncio.get_running_loop()
    _, phones = await loop.create_datagram_endpoint(
        phone or (lambda: Peer(busy)), local_addr=(HOST, agent_port)
    )
    _, caller = await loop.create_datagram_endpoint(Peer, local_addr=(HOST, 0))
    return app, vmeste, caller, phones


async def dial(
    app: MediaApplication, caller: Peer, *, ack: bool = True
) -> tuple[sip.Message, sip.Message, tuple]:
    """The caller dials the line: their INVITE, our 200 (ACKed as a phone does, unless not
    ``ack``) and where our media listens."""
    call_id = f"{secrets.token_hex(6)}@test"
    invite = sip.Message(
        f"INVITE sip:78002003411@{HOST} SIP/2.0",
        [
            ("via", f"SIP/2.0/UDP {HOST}:{caller.port};branch={sip.new_branch()}"),
            ("from", f"<sip:79001234567@{HOST}>;tag=c"),
            ("to", f"<sip:78002003411@{HOST}>"),
            ("call-id", call_id),
            ("cseq", "1 INVITE"),
            ("contact", f"<sip:c@{HOST}:{caller.port}>"),
            ("x-vmeste-line", "we-are-together"),
        ],
        sip.make_sdp(HOST, 4100, 1),
    )
    caller.transport.sendto(invite.encode(), (HOST, app.ua.port))
    while (ok := await asyncio.wait_for(caller.responses.get(), 5)).status < 200:
        pass
    assert ok.status == 200
    if ack:
        caller.transport.sendto(ack_of(invite, ok).encode(), (HOST, app.ua.port))
    offer = sip.parse_sdp(ok.body)
    return invite, ok, (offer.address, offer.port)


def ack_of(invite: sip.Message, ok: sip.Message, body: str = "") -> sip.Message:
    """The phone's ACK of our 2xx to ``invite`` (a new transaction: its own branch)."""
    headers = [
        ("via", f"SIP/2.0/UDP {invite.get('via').split()[1].split(';')[0]};"
                f"branch={sip.new_branch()}"),
        ("from", invite.get("from")),
        ("to", ok.get("to")),
        ("call-id", invite.call_id),
        ("cseq", f"{invite.cseq[0]} ACK"),
    ]  # fmt: skip
    if body:
        headers.append(("content-type", "application/sdp"))
    return sip.Message(f"ACK sip:media@{HOST} SIP/2.0", headers, body)


def press(caller: Peer, media: tuple, digits: str) -> None:
    """Key presses as a phone sends them: each at a later RTP timestamp than the last."""
    for digit in digits:
        caller.pressed = getattr(caller, "pressed", 0) + 1
        n = caller.pressed
        for packet in rtp.event_packets(digit, seq=n * 10, timestamp=1000 + n * 800, ssrc=5):
            caller.transport.sendto(packet, media)


def hang_up(caller: Peer, app: MediaApplication, invite: sip.Message, ok: sip.Message) -> None:
    """The caller hangs up: their BYE to the node."""
    bye = sip.Message(
        f"BYE sip:media@{HOST}:{app.ua.port} SIP/2.0",
        [
            ("via", f"SIP/2.0/UDP {HOST}:{caller.port};branch={sip.new_branch()}"),
            ("from", invite.get("from")),
            ("to", ok.get("to")),
            ("call-id", invite.call_id),
            ("cseq", "2 BYE"),
        ],
    )
    caller.transport.sendto(bye.encode(), (HOST, app.ua.port))


async def bridged_then_hung_up(
    app: MediaApplication, caller: Peer, phones: Peer, invite: sip.Message, ok: sip.Message
) -> sip.Message:
    """The caller put through (our re-INVITE, its ACK), then hangs up: what the far end got."""
    reinvite = await asyncio.wait_for(caller.requests.get(), 10)
    assert reinvite.method == "INVITE"
    await asyncio.wait_for(caller.requests.get(), 5)  # the ACK
    hang_up(caller, app, invite, ok)
    while (bye := await asyncio.wait_for(phones.requests.get(), 5)).method == "ACK":
        pass
    return bye


async def settle(app: MediaApplication) -> None:
    """Until the node holds no caller any more (5 s at most)."""
    for _ in range(100):
        if not app.callers:
            return
        await asyncio.sleep(0.05)


def kinds(vmeste: FakeVmeste) -> list[str]:
    """What Vmeste was told, in order: the events' types."""
    return [e[0] for e in vmeste.events]


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """The scene played to its end, 30 s at most."""
    return asyncio.run(asyncio.wait_for(coro, 30))


async def offered(vmeste: FakeVmeste) -> None:
    """Until Vmeste is told of the call (5 s at most)."""
    for _ in range(100):
        if vmeste.events:
            return
        await asyncio.sleep(0.05)


def from_agent_phone(
    phones: Peer, app: MediaApplication, agent: str, method: str, extra: list | tuple = ()
) -> None:
    """A request of the agent's phone in the leg the node rang it on, sent to the node."""
    request = agent_request(phones, agent, method, extra)
    phones.transport.sendto(request.encode(), (HOST, app.ua.port))


def agent_request(phones: Peer, agent: str, method: str, extra: list | tuple = ()) -> sip.Message:
    """A request of the agent's phone in the leg the node rang it on."""
    invite, tag = phones.invites[agent]
    return sip.Message(
        f"{method} {sip.uri_of(invite.get('contact'))} SIP/2.0",
        [
            ("via", f"SIP/2.0/UDP {HOST}:{phones.port};branch={sip.new_branch()}"),
            ("from", f"{invite.get('to')};tag={tag}"),
            ("to", invite.get("from")),
            ("call-id", invite.call_id),
            ("cseq", f"1 {method}"),
            *extra,
        ],
    )


async def until(check: Callable[[], Any], seconds: float = 5.0) -> None:
    """Until ``check()`` holds, or fail."""
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not reached")


def drain(peer: Peer) -> list[sip.Message]:
    """The requests the peer got and nobody took yet."""
    got = []
    while not peer.requests.empty():
        got.append(peer.requests.get_nowait())
    return got


def warm_order(invite: sip.Message, step: str) -> list[dict]:
    """Ivanova's order from the site: ``step`` of a warm transfer to ``SPECIALIST``."""
    return [{"call_id": invite.call_id, "step": step, "to_queue": "", "to_agent": "",
             "to_number": SPECIALIST, "asked_by": "ivanova"}]  # fmt: skip


async def consulting(
    orders: Callable[[sip.Message, str], list[dict]],
    busy: tuple[str, ...] = (),
    phone: Callable[[], Peer] | None = None,
    rung: str = "",
) -> tuple[MediaApplication, FakeVmeste, Peer, Peer, sip.Message, sip.Message, Caller]:
    """A caller of «1» put through to Ivanova, who orders ``orders(invite, "consult")``:
    back once the consulted phone answered (our ACK on its leg sent), or once it was rung
    when ``busy`` names it or ``rung`` does (its answer late: ``phone``). The scene, the
    caller's INVITE and our 200, the node's caller."""
    app, vmeste, caller, phones = await scene(["ivanova"], busy=set(busy), phone=phone)
    invite, ok, media = await dial(app, caller)
    press(caller, media, "1")
    await until(lambda: invite.call_id in app.callers)
    me = app.callers[invite.call_id]
    await until(lambda: me.state == "bridged")
    vmeste.orders = orders(invite, "consult")
    ringing = busy[0] if busy else rung
    if ringing:
        await until(lambda: ringing in phones.rung)
    else:
        await until(
            lambda: (
                me.state == "consulting"
                and me.consult_leg is not None
                and me.consult_leg.call_id in me.acks
            )
        )
    return app, vmeste, caller, phones, invite, ok, me
