"""Real SIP calls on loopback: SIPp callers and agents' phones, Kamailio, rtpengine, the
media application, and Vmeste (the live server) deciding where each call goes."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.request

import pytest
from django.db.utils import OperationalError

from vmeste.accounts.services import create_user, issue_token
from vmeste.contactcenter.models import Agent, Call, TransferOrder
from vmeste.contactcenter.services import change_agent_state
from vmeste.contactcenter.transitions import AgentEvent, AgentState
from vmeste.telephony import edge
from vmeste.telephony.services import set_sip_password
from vmeste.telephony.tests.sipedge import (
    Edge,
    Sipp,
    free_range,
    free_tcp_ports,
    free_udp_ports,
    missing_binaries,
    sipp,
)

pytestmark = [
    pytest.mark.sip,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        bool(missing_binaries()),
        reason=f"Debian packages missing: {', '.join(missing_binaries())} (see .ci/run)",
    ),
]
NUMBER = "78002003411"  # the national line's number


def _edge(tmp_path, vmeste_url: str, http_timeout: int = 5, **kwargs) -> Edge:
    create_user(
        username="edge", role="telephony", password="pass-word-123", check_password=False,
        actor=None,  # the server itself, as `vmeste user create` is
    )  # fmt: skip
    sip, ng, media = free_udp_ports(3)
    (cli,) = free_tcp_ports(1)
    config = edge.EdgeConfig(
        vmeste_url=vmeste_url,
        token=issue_token(username="edge"),
        sip_port=sip,
        ng_port=ng,
        cli_port=cli,
        media_sip_port=media,
        rtp_ports=free_range(),
        media_rtp_ports=free_range(),
        http_timeout=http_timeout,
        debug=2,
        directory=tmp_path / "data" / "telephony",
        **kwargs,
    )
    return Edge(config)


def _until(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # The live server's threads share the in-memory SQLite test database: a read may
        # meet a table locked by its write (no busy time-out there), so ask again.
        with contextlib.suppress(OperationalError):
            found = check()
            if found:
                return found
        time.sleep(0.2)
    return None


def _register(
    tmp_path,
    sip_edge: Edge,
    username: str,
    contact_port: int,
    scenario: str = "register.xml",
    expires: int = 600,
) -> None:
    (port,) = free_udp_ports(1)
    registered = sipp(
        tmp_path,
        scenario,
        "-s",
        username,
        "-au",
        username,
        "-ap",
        "phone-secret",
        "-key",
        "contact_port",
        str(contact_port),
        "-key",
        "expires",
        str(expires),
        name=f"{scenario[:-4]}-{username}",
        port=port,
        target=sip_edge.address,
        timeout=10,
    )
    assert registered.wait(15) == 0, sip_edge.log("kamailio")[-3000:]


def _gateway_phones(
    tmp_path, live_server, far: str, *, far_name: str, phones: dict[str, str], timeout: int = 60
) -> tuple[Edge, Sipp]:
    """The edge with a gateway, the agents' phones registered (``phones``: username → the
    scenario of their SIPp, kept in ``sip_edge.phones``) and a SIPp behind the gateway
    (``far``, named ``far_name``): the edge (Vmeste's address in ``sip_edge.vmeste``) and
    the far SIPp; the edge stopped if they cannot be started."""
    ports = free_udp_ports(2 + 2 * len(phones))
    vmeste = live_server.url.replace("localhost", "127.0.0.1")
    urllib.request.urlopen(f"{vmeste}/healthz", timeout=30).close()
    sip_edge = _edge(tmp_path, vmeste, gateway=f"sip:127.0.0.1:{ports[0]}").start()
    sip_edge.vmeste, sip_edge.phones = vmeste, {}
    try:
        for n, (username, scenario) in enumerate(phones.items(), 1):
            _register(tmp_path, sip_edge, username, ports[2 * n])
            sip_edge.phones[username] = sipp(
                tmp_path, scenario, name=f"phone-{username}", port=ports[2 * n],
                media_port=ports[2 * n + 1], timeout=timeout,
            )  # fmt: skip
        beyond = sipp(tmp_path, far, name=far_name, port=ports[0], media_port=ports[1],
                      timeout=timeout)  # fmt: skip
    except BaseException:
        sip_edge.stop()
        raise
    return sip_edge, beyond


def test_a_caller_walks_the_menu_waits_and_the_agent_vmeste_picked_answers(
    tmp_path, live_server, national
):
    agents = national["agents"]
    for username in ("ivanova", "petrov"):
        set_sip_password(by=None, username=username, password="phone-secret")
    change_agent_state(agent=agents["ivanova"], event=AgentEvent.SIGN_IN)  # food only
    # Another centre's node is listed too (down): ours is tried first and answers.
    (elsewhere,) = free_udp_ports(1)
    vmeste = live_server.url.replace("localhost", "127.0.0.1")
    urllib.request.urlopen(f"{vmeste}/healthz", timeout=30).close()  # warm: the edge waits 5 s
    sip_edge = _edge(tmp_path, vmeste, peers=[f"sip:127.0.0.1:{elsewhere}"]).start()
    try:
        ports = free_udp_ports(5)
        phones = {}
        for username, port, media in [
            ("ivanova", ports[0], ports[1]),
            ("petrov", ports[2], ports[3]),
        ]:
            _register(tmp_path, sip_edge, username, port)
            phones[username] = sipp(
                tmp_path,
                "agent.xml",
                name=f"phone-{username}",
                port=port,
                media_port=media,
                timeout=60,
            )
        caller = sipp(
            tmp_path,
            "caller.xml",
            "-s",
            NUMBER,
            name="caller",
            port=ports[4],
            media_port=free_range(20)[0],
            target=sip_edge.address,
            digit="2",
            timeout=60,
        )
        # «2» is the medicines branch; nobody who may take it is signed in: the caller waits.
        waiting = _until(lambda: Call.objects.filter(state=Call.State.WAITING).first())
        assert waiting is not None, sip_edge.log("media")[-3000:]
        assert waiting.queue.code == "meds" and waiting.ivr_path == "2"
        assert waiting.line.code == "we-are-together" and waiting.caller_number
        time.sleep(1.5)  # a heartbeat or two: still nobody to ring
        assert Call.objects.get(pk=waiting.pk).state == Call.State.WAITING
        # Petrov signs in at his toolbar: the heartbeat's dispatch rings his phone only.
        change_agent_state(agent=agents["petrov"], event=AgentEvent.SIGN_IN)
        assert caller.wait(40) == 0, sip_edge.log("media")[-3000:]
        assert phones["petrov"].wait(20) == 0
        call = _until(lambda: Call.objects.filter(pk=waiting.pk, state=Call.State.ENDED).first())
        assert call is not None and call.agent.user.username == "petrov"
        assert call.queue.code == "meds" and call.talk_seconds > 0
        assert phones["petrov"].received("INVITE ") and not phones["ivanova"].received("INVITE")
        assert Agent.objects.get(pk=agents["ivanova"].pk).state == AgentState.AVAILABLE
        assert Agent.objects.get(pk=agents["petrov"].pk).state == AgentState.WRAP_UP
        assert "failed for" not in sip_edge.log("kamailio")
    finally:
        sip_edge.stop()
        for phone in locals().get("phones", {}).values():
            phone.wait(0.1)


def test_without_vmeste_and_without_our_media_node_the_caller_hears_the_fallback(tmp_path):
    """Vmeste's address accepts connections and never answers; our centre's media node is
    down: the next centre's node (the dispatcher's next destination) plays the fallback
    announcement, within the edge's time-out, and hangs up."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    dead_media, live_media = free_udp_ports(2)
    sip_edge = _edge(
        tmp_path,
        f"http://127.0.0.1:{silent.getsockname()[1]}",
        http_timeout=1,
        peers=[f"sip:127.0.0.1:{live_media}"],
    )
    sip_edge.config.media_sip_port = dead_media
    sip_edge.start(media_port=live_media)
    try:
        (port,) = free_udp_ports(1)
        started = time.monotonic()
        caller = sipp(
            tmp_path,
            "fallback.xml",
            "-s",
            NUMBER,
            name="caller",
            port=port,
            media_port=free_range(20)[0],
            target=sip_edge.address,
            timeout=40,
        )
        assert caller.wait(45) == 0, sip_edge.log("kamailio")[-3000:]
        assert time.monotonic() - started >= 1.0  # Vmeste was waited for, then given up
        # 28: curl's "operation timed out" — the whole request bounded, not only the connect.
        assert "vmeste did not answer (28)" in sip_edge.log("kamailio")
        # Ours is down, so the announcement came from the next centre's node: tried after
        # ours failed, or at once when the dispatcher's keep-alive had already marked ours.
        assert "fallback announcement" in sip_edge.log("media")
        assert caller.received("BYE ")
    finally:
        sip_edge.stop()
        silent.close()


def test_a_phone_that_unregisters_takes_its_agent_offline(tmp_path, live_server, national):
    """Kamailio tells Vmeste when an agent's phone leaves the registrar: the agent who was
    signed in goes offline (nobody rings a phone that is not there)."""
    agent = national["agents"]["ivanova"]
    set_sip_password(by=None, username="ivanova", password="phone-secret")
    change_agent_state(agent=agent, event=AgentEvent.SIGN_IN)
    vmeste = live_server.url.replace("localhost", "127.0.0.1")
    urllib.request.urlopen(f"{vmeste}/healthz", timeout=30).close()
    sip_edge = _edge(tmp_path, vmeste).start()
    try:
        (contact,) = free_udp_ports(1)
        _register(tmp_path, sip_edge, "ivanova", contact)
        assert Agent.objects.get(pk=agent.pk).state == AgentState.AVAILABLE  # registered
        _register(tmp_path, sip_edge, "ivanova", contact, scenario="unregister.xml")
        gone = _until(lambda: Agent.objects.get(pk=agent.pk).state == AgentState.OFFLINE)
        assert gone, sip_edge.log("kamailio")[-3000:]
        # Kamailio's log reaches its file a moment after the event it tells of.
        said = "registration of ivanova lost (unregistered): vmeste says 200"
        assert _until(lambda: said in sip_edge.log("kamailio")), sip_edge.log("kamailio")[-3000:]
    finally:
        sip_edge.stop()


def test_a_registration_that_runs_out_takes_its_agent_offline(tmp_path, live_server, national):
    """A phone that stops renewing its registration (switched off without unregistering,
    its network gone): when the registration runs out, Kamailio tells Vmeste and the agent
    goes offline. Registered for 2 s, looked for every second (production: 60 s at the
    least, looked for every 10 s)."""
    agent = national["agents"]["ivanova"]
    set_sip_password(by=None, username="ivanova", password="phone-secret")
    change_agent_state(agent=agent, event=AgentEvent.SIGN_IN)
    vmeste = live_server.url.replace("localhost", "127.0.0.1")
    urllib.request.urlopen(f"{vmeste}/healthz", timeout=30).close()
    sip_edge = _edge(tmp_path, vmeste, min_expires=1, expiry_check_seconds=1).start()
    try:
        (contact,) = free_udp_ports(1)
        _register(tmp_path, sip_edge, "ivanova", contact, expires=2)
        gone = _until(lambda: Agent.objects.get(pk=agent.pk).state == AgentState.OFFLINE)
        assert gone, sip_edge.log("kamailio")[-3000:]
        # Lost by running out, not at once: Kamailio names the reason. (Not timed: its
        # clock counts whole seconds, so "2 s" may end 1.0 s after the REGISTER.)
        said = "registration of ivanova lost (expired): vmeste says 200"
        assert _until(lambda: said in sip_edge.log("kamailio")), sip_edge.log("kamailio")[-3000:]
    finally:
        sip_edge.stop()


def _ask(vmeste: str, token: str, path: str, payload: dict) -> None:
    """What the call card's toolbar asks of the API, as the agent (``token``): accepted."""
    request = urllib.request.Request(
        f"{vmeste}/api/v1/contactcenter/calls/{path}", data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as asked:
        assert asked.status == 202


def _both_signed_in(tmp_path, live_server, agents) -> tuple[str, str, Edge]:
    """Ivanova and Sidorova signed in with phone passwords; Ivanova's API token, the live
    server's address (warmed up) and the edge started."""
    for username in ("ivanova", "sidorova"):
        set_sip_password(by=None, username=username, password="phone-secret")
        change_agent_state(agent=agents[username], event=AgentEvent.SIGN_IN)
    token = issue_token(username="ivanova")
    vmeste = live_server.url.replace("localhost", "127.0.0.1")
    urllib.request.urlopen(f"{vmeste}/healthz", timeout=30).close()
    return token, vmeste, _edge(tmp_path, vmeste).start()


def _transfer_scene(tmp_path, sip_edge, ivanovas: str, sidorovas: str = "agent.xml"):
    """Ivanova's phone (``ivanovas`` scenario) and Sidorova's (``sidorovas``: answers),
    registered; a caller who presses «1» and is put through three times
    (``caller_transferred.xml``)."""
    ports = free_udp_ports(5)
    phones = {}
    for username, port, media, scenario in [
        ("ivanova", ports[0], ports[1], ivanovas),
        ("sidorova", ports[2], ports[3], sidorovas),
    ]:
        _register(tmp_path, sip_edge, username, port)
        phones[username] = sipp(tmp_path, scenario, name=f"phone-{username}", port=port,
                                media_port=media, timeout=60)  # fmt: skip
    # Kamailio's first keep-alive to our media node may have gone before the node
    # listened (a loaded machine): the next one (every 5 s) marks it up again.
    time.sleep(6)
    caller = sipp(tmp_path, "caller_transferred.xml", "-s", NUMBER, name="caller",
                  port=ports[4], media_port=free_range(20)[0], target=sip_edge.address,
                  digit="1", timeout=60)  # fmt: skip
    return phones, caller


def test_an_agents_blind_transfer_to_a_queue_rings_an_agent_of_that_queue(
    tmp_path, live_server, national
):
    """Ivanova (food) answers, then her phone transfers the caller to the psychologists'
    queue (REFER through the edge): Sidorova's phone rings, she answers; the call ends
    hers, in that queue, Ivanova let go into wrap-up."""
    agents = national["agents"]
    for username in ("ivanova", "sidorova"):
        set_sip_password(by=None, username=username, password="phone-secret")
        change_agent_state(agent=agents[username], event=AgentEvent.SIGN_IN)
    vmeste = live_server.url.replace("localhost", "127.0.0.1")
    urllib.request.urlopen(f"{vmeste}/healthz", timeout=30).close()
    sip_edge = _edge(tmp_path, vmeste).start()
    try:
        phones, caller = _transfer_scene(tmp_path, sip_edge, "agent_refer.xml")
        assert caller.wait(60) == 0, sip_edge.log("media")[-3000:]
        assert phones["ivanova"].wait(20) == 0, sip_edge.log("kamailio")[-3000:]
        assert phones["sidorova"].wait(20) == 0
        call = _until(lambda: Call.objects.filter(state=Call.State.ENDED).first())
        assert call is not None and call.agent.user.username == "sidorova"
        assert call.queue.code == "psy" and call.ivr_path == "1"
        assert Agent.objects.get(pk=agents["ivanova"].pk).state == AgentState.WRAP_UP
    finally:
        sip_edge.stop()


def test_a_transfer_asked_from_the_site_rings_an_agent_of_that_queue(
    tmp_path, live_server, national, one_request_at_a_time
):
    """Ivanova (food) answers on a phone that never transfers; from the call card she asks
    Vmeste to transfer the caller to the psychologists (the API the toolbar's form shares):
    the media node takes the order, hangs her phone up, and Sidorova's phone rings."""
    agents = national["agents"]
    token, vmeste, sip_edge = _both_signed_in(tmp_path, live_server, agents)
    try:
        phones, caller = _transfer_scene(tmp_path, sip_edge, "agent.xml")
        talking = _until(lambda: Call.objects.filter(state=Call.State.ANSWERED).first())
        assert talking is not None, sip_edge.log("media")[-3000:]
        request = urllib.request.Request(
            f"{vmeste}/api/v1/contactcenter/calls/{talking.call_id}/transfer",
            data=json.dumps({"to_queue": "psy"}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as asked:
            assert asked.status == 202
        assert caller.wait(60) == 0, sip_edge.log("media")[-3000:]
        assert phones["ivanova"].wait(20) == 0  # hung up by the media node
        assert phones["sidorova"].wait(20) == 0
        call = _until(lambda: Call.objects.filter(state=Call.State.ENDED).first())
        assert call is not None and call.agent.user.username == "sidorova"
        assert call.queue.code == "psy" and call.call_id == talking.call_id
        assert Agent.objects.get(pk=agents["ivanova"].pk).state == AgentState.WRAP_UP
        assert TransferOrder.objects.get().taken_at is not None
    finally:
        sip_edge.stop()
