"""The media application's call flow against scripted peers (no Kamailio, Vmeste faked):
the voice menu as data walked key by key; every bad input a caller can make leaves the call
told to Vmeste once and consistently; the queue's announcements and callback offer; the
menu's transfer to an outside number."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from vmeste.telephony import ivrplay, rtp, sip
from vmeste.telephony.callflow import MediaApplication
from vmeste.telephony.outbox import VmesteDelayed
from vmeste.telephony.tests.conftest import MENU
from vmeste.telephony.tests.sipedge import free_range, free_udp_ports

HOST = "127.0.0.1"


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

    async def heartbeat(self, node: str = "", calls: list[str] | None = None) -> dict:
        self.beats = [*getattr(self, "beats", []), (node, list(calls or []))]
        return {"rung": []}

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


async def _setup(agents, busy=frozenset(), offer_callback=False, phone=None):
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


async def _dial(app, caller: Peer) -> tuple[sip.Message, sip.Message, tuple]:
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
    offer = sip.parse_sdp(ok.body)
    return invite, ok, (offer.address, offer.port)


def _press(caller: Peer, media: tuple, digits: str) -> None:
    """Key presses as a phone sends them: each at a later RTP timestamp than the last."""
    for digit in digits:
        caller.pressed = getattr(caller, "pressed", 0) + 1
        n = caller.pressed
        for packet in rtp.event_packets(digit, seq=n * 10, timestamp=1000 + n * 800, ssrc=5):
            caller.transport.sendto(packet, media)


def _hang_up(caller: Peer, app, invite: sip.Message, ok: sip.Message) -> None:
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


async def _bridged_then_hung_up(app, caller: Peer, phones: Peer, invite, ok) -> sip.Message:
    """The caller put through (our re-INVITE, its ACK), then hangs up: what the far end got."""
    reinvite = await asyncio.wait_for(caller.requests.get(), 10)
    assert reinvite.method == "INVITE"
    await asyncio.wait_for(caller.requests.get(), 5)  # the ACK
    _hang_up(caller, app, invite, ok)
    while (bye := await asyncio.wait_for(phones.requests.get(), 5)).method == "ACK":
        pass
    return bye


async def _settle(app) -> None:
    for _ in range(100):
        if not app.callers:
            return
        await asyncio.sleep(0.05)


def _kinds(vmeste: FakeVmeste) -> list[str]:
    return [e[0] for e in vmeste.events]


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_a_wrong_key_replays_then_the_sub_menu_leads_to_its_queue():
    async def scenario():
        app, vmeste, caller, phones = await _setup(["sidorova"])
        invite, ok, media = await _dial(app, caller)
        _press(caller, media, "7")  # no such option: the prompt again
        await asyncio.sleep(0.3)
        _press(caller, media, "31")
        bye = await _bridged_then_hung_up(app, caller, phones, invite, ok)
        assert phones.rung == ["sidorova"]
        await _settle(app)
        app.close()
        return vmeste, bye

    vmeste, bye = run(scenario())
    assert bye.method == "BYE"  # the hang-up reached the agent
    assert _kinds(vmeste) == ["call_offered", "call_answered", "call_ended"]
    assert vmeste.events[0][2]["ivr_path"] == "3-1" and vmeste.events[0][2]["centre"] == "nat"


@pytest.mark.parametrize("keys", ["", "#" * 20])
def test_silence_or_a_storm_of_hashes_ends_on_the_default_branch_once(keys):
    async def scenario():
        app, vmeste, caller, _phones = await _setup(["ivanova"])
        invite, ok, media = await _dial(app, caller)
        _press(caller, media, keys)
        reinvite = await asyncio.wait_for(caller.requests.get(), 10)
        assert reinvite.method == "INVITE"
        _hang_up(caller, app, invite, ok)
        await _settle(app)
        app.close()
        return vmeste

    vmeste = run(scenario())
    assert _kinds(vmeste) == ["call_offered", "call_answered", "call_ended"]
    assert vmeste.events[0][2]["ivr_path"] == "1"


def test_hanging_up_in_the_menu_is_counted_once_with_its_path_and_time_and_forgotten():
    async def scenario():
        app, vmeste, caller, _phones = await _setup([])
        invite, ok, media = await _dial(app, caller)
        _press(caller, media, "3")  # into the sub-menu, then gone
        await asyncio.sleep(0.3)
        _hang_up(caller, app, invite, ok)
        await _settle(app)
        forgotten = not app.callers and not app.ua.in_dialog
        app.close()
        return vmeste, forgotten

    vmeste, forgotten = run(scenario())
    assert forgotten and _kinds(vmeste) == ["call_ended"]
    told = vmeste.events[0][2]
    assert told["disposition"] == "abandoned_in_menu" and told["ivr_path"] == "3"
    assert told["line"] == "we-are-together" and told["centre"] == "nat"
    assert told["caller_number"] == "79001234567" and 0.2 < told["menu_seconds"] < 5


def test_hanging_up_while_waiting_is_one_end_of_an_offered_call():
    async def scenario():
        app, vmeste, caller, _phones = await _setup([])  # nobody to ring
        invite, ok, media = await _dial(app, caller)
        _press(caller, media, "1")
        await _offered(vmeste)
        _hang_up(caller, app, invite, ok)
        await _settle(app)
        app.close()
        return vmeste

    vmeste = run(scenario())
    assert _kinds(vmeste) == ["call_offered", "call_ended"]


class _SlowVmeste(FakeVmeste):
    """Vmeste that has not taken the call's offer within the flow's patience: the
    outbox sends it on (``VmesteDelayed``)."""

    async def event(self, type: str, call_id: str, **data) -> dict:
        answer = await super().event(type, call_id, **data)
        if type == "call_offered":
            raise VmesteDelayed("kept in the outbox")
        return answer


def test_an_offer_left_in_the_outbox_is_followed_by_the_calls_end():
    async def scenario():
        app, _vmeste, caller, _phones = await _setup([])
        app.vmeste = vmeste = _SlowVmeste([])
        _invite, _ok, media = await _dial(app, caller)
        _press(caller, media, "1")
        bye = await asyncio.wait_for(caller.requests.get(), 10)  # the fallback, then goodbye
        await _settle(app)
        app.close()
        return vmeste, bye, app.prompts.said

    vmeste, bye, said = run(scenario())
    assert bye.method == "BYE" and "временно недоступна" in said[-1]
    # The offer will reach Vmeste: so must the end, or the call would wait there forever.
    assert _kinds(vmeste) == ["call_offered", "call_ended"] and vmeste.events[1][2] == {}


def test_a_busy_agent_is_reported_and_the_next_one_vmeste_names_answers():
    async def scenario():
        app, vmeste, caller, phones = await _setup(["ivanova", "petrov"], busy={"ivanova"})
        invite, ok, media = await _dial(app, caller)
        _press(caller, media, "1")
        reinvite = await asyncio.wait_for(caller.requests.get(), 10)
        assert reinvite.method == "INVITE"
        _hang_up(caller, app, invite, ok)
        await _settle(app)
        app.close()
        return vmeste, phones.rung, app.node

    vmeste, rung, node = run(scenario())
    assert rung == ["ivanova", "petrov"]
    assert vmeste.events[1] == ("agent_state", "ivanova", "no_answer")
    assert _kinds(vmeste) == ["call_offered", "agent_state", "call_answered", "call_ended"]
    assert vmeste.events[2][2] == {"agent": "petrov", "node": node}  # who holds the call


async def _offered(vmeste: FakeVmeste) -> None:
    for _ in range(100):
        if vmeste.events:
            return
        await asyncio.sleep(0.05)


def test_a_waiting_caller_hears_their_place_and_wait_then_music(monkeypatch):
    monkeypatch.setattr(ivrplay, "ANNOUNCE_SECONDS", 0.3)

    async def scenario():
        app, vmeste, caller, _phones = await _setup([])  # nobody to ring: the caller waits
        invite, ok, media = await _dial(app, caller)
        _press(caller, media, "2")
        await _offered(vmeste)
        await asyncio.sleep(1.5)
        playing = app.callers[invite.call_id].stream.audio[:1]
        _hang_up(caller, app, invite, ok)
        await _settle(app)
        app.close()
        return vmeste, app.prompts.said, playing

    vmeste, said, playing = run(scenario())
    assert _kinds(vmeste) == ["call_offered", "call_ended"]
    assert vmeste.events[0][2]["queue"] == "meds" and vmeste.events[0][2]["ivr_path"] == "2"
    place = "Ваш номер в очереди: 3. Примерное время ожидания, в минутах: 4."
    assert said.count(place) >= 2 and len(vmeste.asked) >= 2  # asked again each time
    assert playing in (b"\x2a", b"\x55")  # the music (or the next announcement), never silence


@pytest.mark.parametrize("key, kept", [("1", True), ("5", False)])
def test_the_callback_offer_keeps_the_place_of_a_caller_who_takes_it(key, kept):
    async def scenario():
        app, vmeste, caller, _phones = await _setup([], offer_callback=True)
        invite, ok, media = await _dial(app, caller)
        _press(caller, media, "1")
        await _offered(vmeste)
        await asyncio.sleep(0.4)  # the offer is being said
        _press(caller, media, key)
        if kept:  # we hang up on them, after the goodbye
            bye = await asyncio.wait_for(caller.requests.get(), 10)
            assert bye.method == "BYE"
        else:
            await asyncio.sleep(1.0)
            assert app.callers[invite.call_id].state == "queue"
            _hang_up(caller, app, invite, ok)
        await _settle(app)
        app.close()
        return vmeste, app.prompts.said

    vmeste, said = run(scenario())
    offer = "Если хотите, чтобы мы вам перезвонили, нажмите 1. Ваше место в очереди сохранится."
    assert offer in said
    if kept:
        assert _kinds(vmeste) == ["call_offered", "callback_requested", "call_ended"]
    else:
        assert _kinds(vmeste) == ["call_offered", "call_ended"]


def test_the_menus_callback_node_asks_for_the_callback_at_once():
    async def scenario():
        app, vmeste, caller, _phones = await _setup([])
        _invite, _ok, media = await _dial(app, caller)
        _press(caller, media, "8")
        bye = await asyncio.wait_for(caller.requests.get(), 10)
        await _settle(app)
        app.close()
        return vmeste, bye, app.prompts.said

    vmeste, bye, said = run(scenario())
    assert bye.method == "BYE" and "Мы перезвоним." in said
    assert _kinds(vmeste) == ["call_offered", "callback_requested", "call_ended"]
    assert vmeste.events[0][2]["queue"] == "food" and vmeste.events[0][2]["ivr_path"] == "8"


def test_a_message_leads_back_and_the_transfer_reaches_the_outside_number():
    async def scenario():
        app, vmeste, caller, phones = await _setup([])
        invite, ok, media = await _dial(app, caller)
        _press(caller, media, "4")  # the message, then the main menu again
        await asyncio.sleep(0.8)
        _press(caller, media, "9")
        bye = await _bridged_then_hung_up(app, caller, phones, invite, ok)  # with the lawyer
        await _settle(app)
        app.close()
        return vmeste, phones.rung, bye, app.prompts.said

    vmeste, rung, bye, said = run(scenario())
    assert rung == ["74950000000"] and bye.method == "BYE"
    assert "Пункты выдачи работают до восьми." in said and "Соединяю с юристом." in said
    assert _kinds(vmeste) == ["call_transferred"]  # the caller left us there, counted once
    told = vmeste.events[0][2]
    assert told["to_number"] == "74950000000" and told["ivr_path"] == "4-9"


def test_at_night_the_caller_hears_the_night_message_and_is_hung_up_on():
    async def scenario():
        app, vmeste, caller, _phones = await _setup([])
        vmeste.menu = _night
        await _dial(app, caller)
        bye = await asyncio.wait_for(caller.requests.get(), 10)
        await _settle(app)
        app.close()
        return vmeste, bye, app.prompts.said

    vmeste, bye, said = run(scenario())
    assert bye.method == "BYE" and said[0] == "Линия сейчас не работает."
    assert _kinds(vmeste) == ["call_ended"]  # a call at night is a call, counted once
    told = vmeste.events[0][2]
    assert told["disposition"] == "served_in_menu" and told["ivr_path"] == ""


async def _night(line: str) -> dict:
    return {**media_menu(), "is_open": False, "entry": "night"}


async def _with_robot(line: str) -> dict:
    """The menu with the robot's answer on «5» (the article's text as Vmeste gives it)."""
    menu = media_menu()
    menu["nodes"]["main"]["options"]["5"] = "robot"
    menu["nodes"]["robot"] = {**menu["nodes"]["hours"], "kind": "robot", "prompt": "",
                              "article": "rules", "text": "Правила выдачи продуктов."}  # fmt: skip
    return menu


def test_a_message_that_ends_the_call_is_heard_then_counted_once_as_served():
    async def scenario():
        app, vmeste, caller, _phones = await _setup([])
        _invite, _ok, media = await _dial(app, caller)
        _press(caller, media, "6")
        bye = await asyncio.wait_for(caller.requests.get(), 10)  # we hang up, after goodbye
        await _settle(app)
        app.close()
        return vmeste, bye, app.prompts.said

    vmeste, bye, said = run(scenario())
    assert bye.method == "BYE" and said[-2:] == ["Линия работает с девяти до девяти.",
                                                 "До свидания."]  # fmt: skip
    assert _kinds(vmeste) == ["call_ended"]
    told = vmeste.events[0][2]
    assert (told["disposition"], told["ivr_path"], told["centre"]) == ("served_in_menu", "6", "nat")
    assert 0.2 < told["menu_seconds"] < 5


def test_hanging_up_during_the_robots_answer_is_served_not_abandoned():
    async def scenario():
        app, vmeste, caller, _phones = await _setup([])
        vmeste.menu = _with_robot
        invite, ok, media = await _dial(app, caller)
        _press(caller, media, "5")
        for _ in range(100):  # the answer begins
            if "Правила выдачи продуктов." in app.prompts.said:
                break
            await asyncio.sleep(0.02)
        _hang_up(caller, app, invite, ok)
        await _settle(app)
        app.close()
        return vmeste, app.prompts.said

    vmeste, said = run(scenario())
    assert "До свидания." not in said  # gone before the goodbye
    assert _kinds(vmeste) == ["call_ended"]
    assert vmeste.events[0][2]["disposition"] == "served_in_menu"
    assert vmeste.events[0][2]["ivr_path"] == "5"


def _refer(phones: Peer, app, agent: str, target: str) -> None:
    """The agent's phone transfers the caller: a REFER in its leg of the call."""
    _from_agent_phone(phones, app, agent, "REFER", [
        ("refer-to", f"<sip:{target}@{HOST}>"),
        ("contact", f"<sip:{agent}@{HOST}:{phones.port}>"),
    ])  # fmt: skip


def _from_agent_phone(phones: Peer, app, agent: str, method: str, extra=()) -> None:
    """A request of the agent's phone in the leg the node rang it on, sent to the node."""
    invite, tag = phones.invites[agent]
    request = sip.Message(
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
    phones.transport.sendto(request.encode(), (HOST, app.ua.port))


async def _talking_to_ivanova():
    """A caller of «1» put through to Ivanova (the re-INVITE and its ACK seen); Sidorova
    (psy) is the next agent Vmeste names."""
    app, vmeste, caller, phones = await _setup(["ivanova", "sidorova"])
    invite, ok, media = await _dial(app, caller)
    _press(caller, media, "1")
    for _ in range(2):
        await asyncio.wait_for(caller.requests.get(), 10)
    return app, vmeste, caller, phones, invite, ok


def test_an_agents_refer_to_a_queue_rings_an_agent_of_that_queue():
    async def scenario():
        app, vmeste, caller, phones, invite, ok = await _talking_to_ivanova()
        _refer(phones, app, "ivanova", "psy")
        accepted = await asyncio.wait_for(phones.responses.get(), 5)
        told = []
        while len(told) < 2:  # past the ACK that bridged Ivanova
            message = await asyncio.wait_for(phones.requests.get(), 5)
            told += [message.method] if message.method != "ACK" else []
        methods = [(await asyncio.wait_for(caller.requests.get(), 10)).method for _ in range(4)]
        _hang_up(caller, app, invite, ok)
        await _settle(app)
        app.close()
        return vmeste, phones.rung, accepted, told, methods

    vmeste, rung, accepted, told, methods = run(scenario())
    assert accepted.status == 202 and told == ["NOTIFY", "BYE"]  # Ivanova told and let go
    assert methods == ["INVITE", "ACK", "INVITE", "ACK"]  # back on hold, then to Sidorova
    assert rung == ["ivanova", "sidorova"]
    assert _kinds(vmeste) == ["call_offered", "call_answered", "call_transferred",
                              "call_answered", "call_ended"]  # fmt: skip
    assert vmeste.events[2][2] == {"to_queue": "psy"}
    assert vmeste.events[3][2]["agent"] == "sidorova"


def test_a_transfer_asked_from_the_site_lets_the_agent_go_and_rings_the_queue():
    async def scenario():
        app, vmeste, caller, phones, invite, ok = await _talking_to_ivanova()
        vmeste.orders = [{"call_id": invite.call_id, "to_queue": "psy", "to_agent": "",
                          "to_number": "", "asked_by": "ivanova"}]  # fmt: skip
        told = []
        while "BYE" not in told:  # past the ACK that bridged Ivanova: her phone hung up
            message = await asyncio.wait_for(phones.requests.get(), 5)
            told += [message.method] if message.method != "ACK" else []
        methods = [(await asyncio.wait_for(caller.requests.get(), 10)).method for _ in range(4)]
        _hang_up(caller, app, invite, ok)
        await _settle(app)
        app.close()
        return vmeste, phones.rung, told, methods

    vmeste, rung, told, methods = run(scenario())
    assert told == ["BYE"]  # no REFER, so no NOTIFY: the agent's phone is simply hung up
    assert methods == ["INVITE", "ACK", "INVITE", "ACK"]  # back on hold, then to Sidorova
    assert rung == ["ivanova", "sidorova"] and vmeste.orders == []
    assert _kinds(vmeste) == ["call_offered", "call_answered", "call_transferred",
                              "call_answered", "call_ended"]  # fmt: skip
    assert vmeste.events[2][2] == {"to_queue": "psy"}


async def _until(check, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not reached")


def _drain(peer: Peer) -> list[sip.Message]:
    got = []
    while not peer.requests.empty():
        got.append(peer.requests.get_nowait())
    return got


async def _consulting(busy, end: str, orders):
    """Ivanova talks to the caller; the node takes ``orders(invite, "consult")``, then (when
    the target answered) the ``end`` step; the caller hangs up once back with someone.
    What Vmeste was told, who was rung, whom the caller talked to last, what the caller's
    phone got, the BYEs to the phones and Ivanova's leg."""
    app, vmeste, caller, phones = await _setup(["ivanova"], busy=set(busy))
    invite, ok, media = await _dial(app, caller)
    _press(caller, media, "1")
    await _until(lambda: invite.call_id in app.callers)
    me = app.callers[invite.call_id]
    await _until(lambda: me.state == "bridged")
    vmeste.orders = orders(invite, "consult")
    if busy:
        await _until(lambda: busy[0] in phones.rung)
    else:
        await _until(
            lambda: (
                me.state == "consulting"
                and me.consult_leg is not None
                and me.consult_leg.call_id in me.acks
            )
        )
        vmeste.orders = orders(invite, end)
    await _until(lambda: me.state == "bridged" and not vmeste.orders)
    agent = me.agent
    at_caller = [m.method for m in _drain(caller)]
    _hang_up(caller, app, invite, ok)
    await _settle(app)
    app.close()
    ivanova = phones.invites["ivanova"][0].call_id
    byes = [m.call_id for m in _drain(phones) if m.method == "BYE"]
    return vmeste, phones.rung, agent, at_caller, byes, ivanova


def _warm(invite, step: str) -> list[dict]:
    return [{"call_id": invite.call_id, "step": step, "to_queue": "", "to_agent": "",
             "to_number": "74951112233", "asked_by": "ivanova"}]  # fmt: skip


@pytest.mark.parametrize("busy, end", [((), "complete"), ((), "return"),
                                       (("74951112233",), "")])  # fmt: skip
def test_a_warm_transfer_consults_the_number_then_puts_through_or_returns(busy, end):
    """Consult: the caller held, the specialist rung and put through to the agent; then
    complete (the caller to the specialist, the agent hung up, counted transferred) or
    return (agent and caller together again, the specialist hung up). A busy specialist:
    back with the caller at once."""

    vmeste, rung, agent, at_caller, byes, ivanova = run(_consulting(busy, end, _warm))
    assert rung == ["ivanova", "74951112233"]
    # Put through to Ivanova, held (music), then put through again (to whom: below).
    assert at_caller == ["INVITE", "ACK"] * 3
    if end == "complete":
        assert agent == "74951112233" and byes[0] == ivanova  # she was let go first
        assert _kinds(vmeste) == ["call_offered", "call_answered", "call_transferred",
                                  "call_ended"]  # fmt: skip
        assert vmeste.events[2][2] == {"to_number": "74951112233"}
    else:  # back with Ivanova: the specialist's leg ended (a busy one never began)
        assert agent == "ivanova" and byes[-1] == ivanova  # hung up on when the caller left
        assert len(byes) == (1 if busy else 2)
        assert _kinds(vmeste) == ["call_offered", "call_answered", "call_ended"]


def _colleague(invite, step: str) -> list[dict]:
    return [{"call_id": invite.call_id, "step": step, "to_queue": "psy",
             "to_agent": "sidorova", "to_number": "", "asked_by": "ivanova"}]  # fmt: skip


@pytest.mark.parametrize("busy, end", [((), "complete"), ((), "return"),
                                       (("sidorova",), "")])  # fmt: skip
def test_a_warm_transfer_to_a_colleague_tells_vmeste_each_step_of_theirs(busy, end):
    """A colleague Vmeste reserved is consulted on their phone (rung through the edge by
    their username): answered, then put through (``call_transferred`` to them, ``warm``) or
    given back (``consult over``); busy: ``consult failed``, back with the first agent."""

    vmeste, rung, agent, *_seen = run(_consulting(busy, end, _colleague))
    assert rung == ["ivanova", "sidorova"]
    told = [(e[0], e[2]) for e in vmeste.events if e[0] in ("consult", "call_transferred")]
    if end == "complete":
        assert agent == "sidorova"
        assert told == [
            ("consult", {"agent": "sidorova", "outcome": "answered"}),
            ("call_transferred", {"to_agent": "sidorova", "to_queue": "psy", "warm": True}),
        ]
    elif end == "return":
        assert agent == "ivanova"
        assert told == [("consult", {"agent": "sidorova", "outcome": "answered"}),
                        ("consult", {"agent": "sidorova", "outcome": "over"})]  # fmt: skip
    else:
        assert agent == "ivanova"
        assert told == [("consult", {"agent": "sidorova", "outcome": "failed"})]
    assert _kinds(vmeste)[-1] == "call_ended"
