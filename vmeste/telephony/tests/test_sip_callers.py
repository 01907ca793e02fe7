"""Callers' mistakes and the queue's promises with real SIP peers (issue 14): SIPp callers
and agents' phones, Kamailio, rtpengine, the media application and the live Vmeste.

Each call's outcome is read from the database and from the published figures (the
wallboard): one record per call, in the state its caller's last act left it."""

from __future__ import annotations

import re
import time
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.contactcenter import services as cc
from vmeste.contactcenter.models import Agent, Call
from vmeste.contactcenter.services import change_agent_state
from vmeste.contactcenter.transitions import AgentEvent, AgentState
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre, Region
from vmeste.telephony.services import set_sip_password
from vmeste.telephony.tests.sipedge import (
    SCENARIOS,
    caller,
    double_rings,
    free_range,
    free_udp_ports,
    sipp,
)
from vmeste.telephony.tests.test_sip_calls import NUMBER, _edge, _register

pytestmark = [
    pytest.mark.sip,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        bool(__import__("vmeste.telephony.tests.sipedge", fromlist=["x"]).missing_binaries()),
        reason="Debian packages missing (see .ci/run)",
    ),
]


@pytest.fixture
def stack(tmp_path, live_server, one_request_at_a_time):
    vmeste = live_server.url.replace("localhost", "127.0.0.1")
    urllib.request.urlopen(f"{vmeste}/healthz", timeout=30).close()
    sip_edge = _edge(tmp_path, vmeste).start()
    # Kamailio's dispatcher probes the media node (every 5 s) before it sends calls there:
    # a call in the first seconds gets 503.
    time.sleep(6.0)
    yield sip_edge
    sip_edge.stop()


def _phones(tmp_path, sip_edge, agents: list[Agent], scenario: str, calls: int = 1, **marks):
    """One SIPp answering for ``agents`` (each registered with it as their Contact)."""
    port, media = free_udp_ports(2)
    for agent in agents:
        set_sip_password(by=None, username=agent.user.username, password="phone-secret")
        _register(tmp_path, sip_edge, agent.user.username, port)
    name = f"phones-{scenario.removesuffix('.xml')}"
    return sipp(
        tmp_path, scenario, name=name, port=port, media_port=media, timeout=90, calls=calls,
        replace={k.upper(): str(v) for k, v in marks.items()},
    )  # fmt: skip


def _call(tmp_path, sip_edge, number: str, keys: str, then: str = "connected", **kwargs):
    (port,) = free_udp_ports(1)
    marks = {**caller(keys, then=then, **kwargs), "NUMBER": number}
    return sipp(
        tmp_path, "caller_keys.xml", "-s", NUMBER, "-cid_str", f"c{number}-%u-%p@%s",
        name=f"caller-{number}", port=port,
        media_port=free_range(20)[0], target=sip_edge.address, timeout=90, replace=marks,
    )  # fmt: skip


# What the wallboard counts for a line today, summed over the centres.
LINE_FIGURES = (
    "offered_today",
    "answered_today",
    "abandoned_today",
    "abandoned_in_menu_today",
    "waiting",
)


def _line_figures(make_user) -> dict:
    boss = make_user("boss", role="administrator")
    board = cc.wallboard(user=boss, now=timezone.now() + timedelta(seconds=1))
    lines = [line for centre in board["centres"] for line in centre["lines"]]
    return {key: sum(line[key] for line in lines) for key in LINE_FIGURES}


def _calls_of(number: str):
    return Call.objects.filter(caller_number__endswith=number)


def _finished(processes, sip_edge, timeout: float = 70) -> None:
    """Every SIPp done with its scenario, then a moment for the media application's last
    events. The test's thread keeps off the database meanwhile: the live server shares
    SQLite's in-memory database with it, and a write of ours would make the server's fail."""
    deadline = time.monotonic() + timeout
    for process in processes:
        code = process.wait(max(1.0, deadline - time.monotonic()))
        assert code == 0, (process.process.args, sip_edge.log("media")[-3000:])
    time.sleep(1.5)


def test_no_agents_phone_rings_with_two_calls_at_once(tmp_path, stack, national, make_user):
    """Four callers for «food» at once, two agents who may take them, each ringing a second
    and talking three: while both are busy the heartbeat's dispatch rings neither again;
    the two callers left waiting hang up. Each call recorded once."""
    centre = national["centre"]
    orlova = Agent.objects.create(user=make_user("orlova"), centre=centre, skills={"food": 2})
    agents = [national["agents"]["ivanova"], orlova]
    for agent in agents:
        change_agent_state(agent=agent, event=AgentEvent.SIGN_IN)
    phones = _phones(
        tmp_path, stack, agents, "agent_talks.xml", calls=2, ring_ms=1000, talk_ms=3000
    )
    numbers = [f"7900100000{i}" for i in range(4)]
    talkers = [_call(tmp_path, stack, n, "1") for n in numbers[:2]]
    time.sleep(1.0)  # these two come second: nobody is free for them until they hang up
    leavers = [_call(tmp_path, stack, n, "1", then="leaves", stay_ms=9000) for n in numbers[2:]]
    _finished([*talkers, *leavers, phones], stack)
    logged = phones.logged()
    assert double_rings(logged) == []
    rung = {(words[1], words[2]) for words in logged if words[0] == "ring"}
    assert {agent for agent, _call in rung} == {"ivanova", "orlova"} and len(rung) == 2
    calls = [_calls_of(n).get() for n in numbers]
    for call in calls[:2]:
        assert call.state == Call.State.ENDED and call.queue.code == "food"
        assert (call.agent.user.username, call.call_id) in rung
    assert [call.state for call in calls[2:]] == [Call.State.ABANDONED] * 2
    assert {a.state for a in Agent.objects.filter(pk__in=[a.pk for a in agents])} == {
        AgentState.WRAP_UP
    }
    figures = _line_figures(make_user)
    assert (figures["offered_today"], figures["answered_today"]) == (4, 2)
    assert (figures["abandoned_today"], figures["waiting"]) == (2, 0)


def test_with_the_home_centres_agents_gone_the_call_overflows_to_another_centre(
    tmp_path, stack, national, make_user
):
    line = national["line"]
    region = Region.objects.first()
    regional = Centre.objects.create(
        code="reg", name_ru="Региональный", kind=Centre.Kind.REGIONAL, region=region
    )
    regional.lines.add(line)
    kozlov = Agent.objects.create(user=make_user("kozlov"), centre=regional, skills={"meds": 2})
    petrov = national["agents"]["petrov"]
    change_agent_state(agent=petrov, event=AgentEvent.SIGN_IN)
    change_agent_state(agent=petrov, event=AgentEvent.SIGN_OUT)  # the national centre's gone
    change_agent_state(agent=kozlov, event=AgentEvent.SIGN_IN)
    phones = _phones(tmp_path, stack, [kozlov], "agent_talks.xml", ring_ms=300, talk_ms=1000)
    _finished([_call(tmp_path, stack, "79001000011", "2"), phones], stack)
    call = _calls_of("79001000011").get()
    assert call.state == Call.State.ENDED
    assert call.centre.code == "nat" and call.queue.code == "meds"  # its home stays national
    assert call.agent == kozlov
    assert [w[1] for w in phones.logged() if w[0] == "ring"] == ["kozlov"]


def test_every_mistake_a_caller_makes_leaves_one_consistent_record(
    tmp_path, stack, national, make_user
):
    """Silence; a storm of «#»; a wrong key then a right one; hanging up in the queue; hanging
    up while the agent's phone rings — each call recorded once, in the state it ended in, and
    the published figures count each once."""
    agents = national["agents"]
    agents["orlova"] = Agent.objects.create(
        user=make_user("orlova"), centre=national["centre"], skills={"food": 2}
    )
    for name in ("ivanova", "orlova", "petrov", "sidorova"):
        change_agent_state(agent=agents[name], event=AgentEvent.SIGN_IN)
    talking = _phones(
        tmp_path, stack, [agents["ivanova"], agents["orlova"], agents["petrov"]],
        "agent_talks.xml", calls=3, ring_ms=200, talk_ms=1000,
    )  # fmt: skip
    ringing = _phones(tmp_path, stack, [agents["sidorova"]], "agent_rings.xml")
    silent = _call(tmp_path, stack, "79001000021", "")  # the prompt replayed, then the default
    storm = _call(tmp_path, stack, "79001000022", "#" * 8, gap_ms=250)
    wrong = _call(tmp_path, stack, "79001000023", "52")  # «5» is no option: the prompt again
    queue_leaver = _call(tmp_path, stack, "79001000024", "32", then="leaves", stay_ms=3000)
    ring_leaver = _call(tmp_path, stack, "79001000025", "31", then="leaves", stay_ms=3000)
    _finished([silent, storm, wrong, queue_leaver, ring_leaver, ringing, talking], stack)
    food = {"ivanova", "orlova"}
    expected = {
        "79001000021": ("food", Call.State.ENDED, food),
        "79001000022": ("food", Call.State.ENDED, food),
        "79001000023": ("meds", Call.State.ENDED, {"petrov"}),
        "79001000024": ("law", Call.State.ABANDONED, None),
        "79001000025": ("psy", Call.State.ABANDONED, {"sidorova"}),
    }
    for number, (queue, state, agent) in expected.items():
        call = _calls_of(number).get()
        assert (call.queue.code, call.state) == (queue, state), number
        assert (call.answered_at is not None) == (state == Call.State.ENDED), number
        assert call.ended_at is not None and call.wait_seconds is not None, number
        if state == Call.State.ENDED:
            assert call.agent.user.username in agent and call.talk_seconds > 0
    assert Agent.objects.get(pk=agents["sidorova"].pk).state == AgentState.AVAILABLE
    assert ringing.received("CANCEL ")  # her phone stopped ringing
    figures = _line_figures(make_user)
    assert figures == {
        "offered_today": 5, "answered_today": 3, "abandoned_today": 2,
        "abandoned_in_menu_today": 0, "waiting": 0,
    }  # fmt: skip


def test_hanging_up_in_the_menu_is_recorded_once_as_abandoned(tmp_path, stack, national, make_user):
    _finished([_call(tmp_path, stack, "79001000031", "", then="leaves", stay_ms=1000)], stack)
    assert [c.state for c in _calls_of("79001000031")] == [Call.State.ABANDONED]
    figures = _line_figures(make_user)
    assert (figures["abandoned_in_menu_today"], figures["abandoned_today"]) == (1, 0)
    assert figures["offered_today"] == 0  # never reached a queue


def test_a_call_that_ends_on_a_message_is_recorded_once_as_served(
    tmp_path, stack, national, make_user
):
    """«6» is a message that ends the call: heard whole (we hang up after the goodbye) or
    hung up on while it plays — both one ended call served in the menu, never abandoned."""
    heard = _call(tmp_path, stack, "79001000041", "6", then="hung_up_on")
    left = _call(tmp_path, stack, "79001000042", "6", then="leaves", stay_ms=700)
    _finished([heard, left], stack)
    for number in ("79001000041", "79001000042"):
        (call,) = _calls_of(number)
        assert (call.state, call.disposition, call.ivr_path) == (
            Call.State.ENDED, "served_in_menu", "6"), number  # fmt: skip
        assert call.queue is None and call.menu_seconds > 0
        assert Contact.objects.get(call_id=call.call_id).disposition == "served_in_menu"
    figures = _line_figures(make_user)
    assert (figures["abandoned_today"], figures["offered_today"]) == (0, 0)
    assert _served_in_menu(make_user) == 2


def _served_in_menu(make_user) -> int:
    boss = make_user("chief", role="administrator")
    board = cc.wallboard(user=boss, now=timezone.now() + timedelta(seconds=1))
    return sum(line["served_in_menu_today"] for c in board["centres"] for line in c["lines"])


def test_a_caller_gone_while_the_phone_rings_leaves_it_free_for_the_next(
    tmp_path, stack, national, make_user
):
    """The first caller hangs up a second into the agent's ring (past the INVITE's first
    resend); the phone is cancelled, so the second call rings a free phone. Before, no
    CANCEL went out: the phone answered a call nobody held while Vmeste, told the caller was
    gone, rang it with the second (a double ring of the 2,000-call bench)."""
    ivanova = national["agents"]["ivanova"]
    change_agent_state(agent=ivanova, event=AgentEvent.SIGN_IN)
    phones = _phones(
        tmp_path, stack, [ivanova], "agent_talks.xml", calls=2, ring_ms=2500, talk_ms=1000
    )
    leaver = _call(tmp_path, stack, "79001000051", "1", then="leaves", stay_ms=1500)
    time.sleep(1.0)
    talker = _call(tmp_path, stack, "79001000052", "1")
    _finished([leaver, talker, phones], stack)
    logged = phones.logged()
    assert double_rings(logged) == []
    assert len([words for words in logged if words[0] == "ring"]) == 2
    assert phones.received("CANCEL ")
    assert _calls_of("79001000051").get().state == Call.State.ABANDONED
    talked = _calls_of("79001000052").get()
    assert talked.state == Call.State.ENDED and talked.agent == ivanova


def _holding(tmp_path, sip_edge, number: str, keys: str, *, connected: bool):
    """A caller whose phone holds, comes back and asks for our offer (``caller_holds.part``)
    3 s after the last key: in the queue, or once put through to the agent (``connected``:
    ``caller_connected.part``'s steps up to the re-INVITE's ACK first)."""
    (port,) = free_udp_ports(1)
    marks = {**caller(keys, then="holds", stay_ms=0 if connected else 3000), "NUMBER": number}
    steps = (SCENARIOS / "caller_connected.part").read_text()
    put_through = steps[: steps.index('<recv request="ACK"/>')] + '<recv request="ACK"/>'
    marks["END"] = marks["END"].replace("@WHILE@", put_through if connected else "")
    return sipp(
        tmp_path, "caller_keys.xml", "-s", NUMBER, "-cid_str", f"c{number}-%u-%p@%s",
        name=f"caller-{number}", port=port,
        media_port=free_range(20)[0], target=sip_edge.address, timeout=90, replace=marks,
    )  # fmt: skip


def _descriptions(phone) -> list[tuple[str, int, str]]:
    """The session id, version and direction of each description the phone got from the
    media application (through Kamailio and rtpengine), in order: answers and offers."""
    found = []
    for message in phone.messages_received():
        origin = re.search(r"^o=\S+ (\d+) (\d+) ", message, re.MULTILINE)
        if origin is not None:
            mode = re.search(r"^a=(sendrecv|sendonly|recvonly|inactive)$", message, re.MULTILINE)
            found.append((origin[1], int(origin[2]), mode[1] if mode else "sendrecv"))
    return found


def test_a_phones_reinvites_are_answered_with_sdp_in_the_queue_and_put_through(
    tmp_path, stack, national
):
    """Two callers' phones hold, come back and ask for an offer: one waiting in the queue
    (our music's description), one talking to Ivanova (hers, relayed). Each re-INVITE is
    answered with SDP (the scenario checks recvonly, sendrecv, an offer), in one session
    whose version goes up by one each time; Ivanova's phone is never re-INVITEd (its
    scenario would fail); each call recorded once. Before, each got a 200 without SDP."""
    ivanova = national["agents"]["ivanova"]
    change_agent_state(agent=ivanova, event=AgentEvent.SIGN_IN)  # food only
    phones = _phones(tmp_path, stack, [ivanova], "agent_talks.xml", ring_ms=200, talk_ms=60000)
    waiting = _holding(tmp_path, stack, "79001000061", "2", connected=False)  # meds: nobody
    talking = _holding(tmp_path, stack, "79001000062", "1", connected=True)
    _finished([waiting, talking, phones], stack)
    for phone in (waiting, talking):
        seen = _descriptions(phone)
        versions = [version for _session, version, _mode in seen]
        assert len({session for session, _v, _m in seen}) == 1, seen
        assert versions == list(range(versions[0], versions[0] + len(seen))), seen
        # The answers to hold, back, and no offer: the last three.
        assert [mode for *_s, mode in seen[-3:]] == ["recvonly", "sendrecv", "sendrecv"], seen
    assert len(_descriptions(talking)) == 5  # our answer, Ivanova's offer relayed, three
    assert _calls_of("79001000061").get().state == Call.State.ABANDONED
    call = _calls_of("79001000062").get()
    assert call.state == Call.State.ENDED and call.agent == ivanova
