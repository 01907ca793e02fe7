"""Warm transfers over real SIP on loopback: Kamailio, rtpengine, the media application,
SIPp as the caller, the agents' phones and an outside specialist behind the gateway;
Vmeste the live server, asked from the call card's API. Completed by «Соединить» or by the
agent's phone hanging up (an attended transfer's "hang up to complete": while consulting,
or while the specialist's phone still rings); a colleague of a queue consulted, completed
either way."""

from __future__ import annotations

import contextlib
import socket
import time

from vmeste.accounts.services import issue_token
from vmeste.contactcenter.models import Agent, Call, TransferOrder
from vmeste.contactcenter.services import change_agent_state
from vmeste.contactcenter.transitions import AgentEvent, AgentState
from vmeste.contacts.models import Contact
from vmeste.telephony.services import set_sip_password
from vmeste.telephony.tests.sipedge import Sipp, free_range, free_udp_ports, sipp
from vmeste.telephony.tests.test_sip_calls import (
    NUMBER,
    _ask,
    _both_signed_in,
    _gateway_phones,
    _transfer_scene,
    _until,
    pytestmark,  # noqa: F401  (sip, live server, the binaries)
)

SPECIALIST = "74951112233"  # an outside number: rung through the gateway


@contextlib.contextmanager
def _consulting_specialist(tmp_path, live_server, agent: Agent, phone: str, specialist: str):
    """Ivanova signed in, her phone (``phone`` scenario) talking with a caller who pressed
    «1» and is put through three times (``caller_transferred.xml``: to her, on hold, to the
    specialist), and the outside specialist (``specialist``, behind the gateway) consulted
    from her call card; the edge stopped on the way out."""
    set_sip_password(by=None, username="ivanova", password="phone-secret")
    change_agent_state(agent=agent, event=AgentEvent.SIGN_IN)
    token = issue_token(username="ivanova")
    scenarios = {"ivanova": phone}
    sip_edge, specialist_sipp = _gateway_phones(
        tmp_path, live_server, specialist, far_name="specialist", phones=scenarios, timeout=90
    )
    phone_sipp, vmeste = sip_edge.phones["ivanova"], sip_edge.vmeste
    try:
        time.sleep(6)  # the dispatcher's keep-alive marks our media node up
        caller = sipp(tmp_path, "caller_transferred.xml", "-s", NUMBER, name="caller",
                      port=free_udp_ports(1)[0], media_port=free_range(20)[0],
                      target=sip_edge.address, digit="1", timeout=90)  # fmt: skip
        talking = _until(lambda: Call.objects.filter(state=Call.State.ANSWERED).first())
        assert talking is not None, sip_edge.log("media")[-3000:]
        _ask(vmeste, token, f"{talking.call_id}/transfer",
             {"to_number": SPECIALIST, "consult": True})  # fmt: skip
        yield {"token": token, "vmeste": vmeste, "sip_edge": sip_edge, "phone": phone_sipp,
               "specialist": specialist_sipp, "caller": caller, "talking": talking}  # fmt: skip
    finally:
        sip_edge.stop()


def _went_to_specialist(scene: dict, agent: Agent) -> None:
    """Every SIPp's scenario ended well (the caller re-INVITEd to the specialist, each
    hung up cleanly), and Vmeste counts the call once, as transferred to the specialist's
    number, by Ivanova, who goes to wrap-up; one Contact, transferred too."""
    sip_edge, talking = scene["sip_edge"], scene["talking"]
    assert scene["caller"].wait(90) == 0, sip_edge.log("media")[-3000:]
    assert scene["phone"].wait(20) == 0, sip_edge.log("media")[-3000:]
    assert scene["specialist"].wait(20) == 0, sip_edge.log("media")[-3000:]
    call = _until(lambda: Call.objects.filter(state=Call.State.ENDED).first())
    assert call is not None and call.call_id == talking.call_id, sip_edge.log("media")[-3000:]
    assert (call.transferred_to, call.disposition) == (SPECIALIST, "transferred")
    assert call.agent.user.username == "ivanova" and Call.objects.count() == 1
    assert call.folded["summary"]["transfers"] == 1
    contact = Contact.objects.get()
    assert (contact.call_id, contact.disposition) == (talking.call_id, "transferred")
    wrapping_up = _until(lambda: Agent.objects.get(pk=agent.pk).state == AgentState.WRAP_UP)
    assert wrapping_up, Agent.objects.get(pk=agent.pk).state
    assert any(SPECIALIST in line for line in scene["specialist"].received("INVITE "))
    said = f"put through to {SPECIALIST} after a consultation"
    assert said in sip_edge.log("media"), sip_edge.log("media")[-3000:]


def test_a_warm_transfer_consults_a_specialist_then_puts_the_caller_through(
    tmp_path, live_server, national, one_request_at_a_time
):
    """Ivanova answers; from the call card she consults an outside specialist (the caller
    hears the music, the specialist's phone behind the gateway rings and is put through to
    hers), then «Соединить»: the caller talks to the specialist, Ivanova's phone is hung up,
    the call counted once as transferred to that number."""
    agent = national["agents"]["ivanova"]
    with _consulting_specialist(
        tmp_path, live_server, agent, "agent_consults.xml", "specialist.xml"
    ) as scene:
        taken = _until(lambda: TransferOrder.objects.filter(taken_at__isnull=False).first())
        assert taken is not None, scene["sip_edge"].log("media")[-3000:]
        # «Соединить» (the specialist's phone may still ring: the node waits for them)
        _ask(scene["vmeste"], scene["token"], f"{scene['talking'].call_id}/consultation/end",
             {"complete": True})  # fmt: skip
        _went_to_specialist(scene, agent)


def test_the_agent_hanging_up_while_consulting_puts_the_caller_through_to_the_specialist(
    tmp_path, live_server, national, one_request_at_a_time
):
    """Ivanova consults an outside specialist, talks with them a second and puts the
    receiver down (her phone's BYE, ``agent_consults_hangs_up.xml``), nobody pressing
    «Соединить»: the specialist's phone is re-INVITEd for a fresh offer, given to the
    caller, and the two talk; the call counted once, transferred to that number, Ivanova
    in wrap-up as after any transfer."""
    agent = national["agents"]["ivanova"]
    with _consulting_specialist(
        tmp_path, live_server, agent, "agent_consults_hangs_up.xml", "specialist.xml"
    ) as scene:
        _went_to_specialist(scene, agent)
        assert not TransferOrder.objects.exclude(step=TransferOrder.Step.CONSULT).exists()


def test_the_agent_hanging_up_while_the_specialists_phone_rings_puts_the_caller_through(
    tmp_path, live_server, national, one_request_at_a_time
):
    """Ivanova consults an outside specialist and puts the receiver down while their phone
    still rings (told to by the test once it rings); the specialist answers only after her
    phone's BYE was answered: the caller, held meanwhile, is given the specialist's offer
    straight away (no re-INVITE of the specialist, nobody pressed «Соединить»); the call
    counted once, transferred to that number, Ivanova in wrap-up."""
    agent = national["agents"]["ivanova"]
    with _consulting_specialist(tmp_path, live_server, agent, "agent_hangs_up_when_told.xml",
                                "specialist_answers_when_told.xml") as scene:  # fmt: skip
        sip_edge, phone, specialist = scene["sip_edge"], scene["phone"], scene["specialist"]
        rung = _until(lambda: _logged(specialist, "rung"), timeout=30)
        assert rung, sip_edge.log("media")[-3000:]
        _press(phone, _logged(phone, "talking"))  # Ivanova puts the receiver down
        assert phone.wait(30) == 0, sip_edge.log("media")[-3000:]  # her BYE answered
        _press(specialist, rung)  # the specialist picks up
        _went_to_specialist(scene, agent)
        assert not TransferOrder.objects.exclude(step=TransferOrder.Step.CONSULT).exists()


def _logged(phone: Sipp, word: str) -> str:
    """The Call-ID a SIPp scenario logged after ``word`` ("" while it has not)."""
    return next((words[1] for words in phone.logged() if words[:1] == [word]), "")


def _press(phone: Sipp, call_id: str) -> None:
    """A hand on a SIPp phone waiting for it (``<recv request="INFO"/>``): an INFO in its
    call ``call_id``, sent to its port straight, not through the edge (nobody else is to
    see it), and not answered (the phone's answer would go to the edge, its peer)."""
    assert call_id
    port = int(phone.process.args[phone.process.args.index("-p") + 1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hand:
        hand.bind(("127.0.0.1", 0))
        local = hand.getsockname()[1]
        hand.sendto(
            (
                f"INFO sip:phone@127.0.0.1:{port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKhand{local}\r\n"
                f"From: <sip:hand@127.0.0.1>;tag=hand{local}\r\nTo: <sip:phone@127.0.0.1>\r\n"
                f"Call-ID: {call_id}\r\nCSeq: 1 INFO\r\nMax-Forwards: 1\r\n"
                "Content-Length: 0\r\n\r\n"
            ).encode(),
            ("127.0.0.1", port),
        )


def test_a_warm_transfer_consults_the_next_free_agent_of_a_queue_who_takes_the_caller(
    tmp_path, live_server, national, one_request_at_a_time
):
    """Ivanova answers; from the call card she consults the psychologists' queue: Vmeste
    reserves its free agent, Sidorova, whose registered phone rings through the edge and
    is put through to Ivanova's (the caller hears the music); «Соединить»: the caller talks
    to Sidorova, Ivanova's phone is hung up; one call, Sidorova's, in «psy», one transfer."""
    agents = national["agents"]
    # Ivanova's phone is re-INVITEd with Sidorova's offer, then hung up; Sidorova's
    # answers the consultation and is re-INVITEd for the caller's (``specialist.xml``).
    with _consulting_psy(tmp_path, live_server, agents, "agent_consults.xml") as scene:
        talking, sip_edge = scene["talking"], scene["sip_edge"]
        assert talking.agent_id == agents["ivanova"].pk
        sidorova = Agent.objects.get(pk=agents["sidorova"].pk)
        assert (sidorova.state, sidorova.call_id) == (AgentState.RINGING, talking.pk)
        answered = _until(
            lambda: Agent.objects.get(pk=sidorova.pk).state == AgentState.ON_CALL
        )  # her phone answered the consultation: the node said so
        assert answered, sip_edge.log("media")[-3000:]
        _ask(scene["vmeste"], scene["token"], f"{talking.call_id}/consultation/end",
             {"complete": True})  # fmt: skip
        _went_to_sidorova(sip_edge, scene["phones"], scene["caller"], talking, agents)
        assert scene["phones"]["sidorova"].received("INVITE ")


def test_the_agent_hanging_up_while_consulting_a_colleague_gives_them_the_caller(
    tmp_path, live_server, national, one_request_at_a_time
):
    """Ivanova consults the psychologists' queue (Sidorova's phone answers), talks with her a
    second and puts the receiver down: the caller goes to Sidorova, nobody pressing
    «Соединить»: one call, Sidorova's, in «psy», one transfer, both in wrap-up."""
    agents = national["agents"]
    with _consulting_psy(tmp_path, live_server, agents, "agent_consults_hangs_up.xml") as scene:
        sip_edge = scene["sip_edge"]
        _went_to_sidorova(sip_edge, scene["phones"], scene["caller"], scene["talking"], agents)
        assert "put through to sidorova after a consultation" in sip_edge.log("media")


@contextlib.contextmanager
def _consulting_psy(tmp_path, live_server, agents: dict, ivanovas: str):
    """Ivanova and Sidorova signed in, Ivanova's phone (``ivanovas``) talking with a caller,
    and the psychologists' queue consulted from her call card (Sidorova's phone answers it:
    ``specialist.xml``); the edge stopped on the way out."""
    token, vmeste, sip_edge = _both_signed_in(tmp_path, live_server, agents)
    try:
        phones, caller = _transfer_scene(tmp_path, sip_edge, ivanovas, sidorovas="specialist.xml")
        talking = _until(lambda: Call.objects.filter(state=Call.State.ANSWERED).first())
        assert talking is not None, sip_edge.log("media")[-3000:]
        _ask(vmeste, token, f"{talking.call_id}/transfer", {"to_queue": "psy", "consult": True})
        yield {"token": token, "vmeste": vmeste, "sip_edge": sip_edge, "phones": phones,
               "caller": caller, "talking": talking}  # fmt: skip
    finally:
        sip_edge.stop()


def _went_to_sidorova(sip_edge, phones, caller, talking: Call, agents: dict) -> None:
    """Every phone's scenario ended well, and Vmeste says the caller went to Sidorova after
    the consultation: one call, hers, in «psy», one transfer, both agents in wrap-up."""
    media = sip_edge.log("media")[-3000:]
    assert caller.wait(60) == 0, media
    assert phones["ivanova"].wait(20) == 0, media
    assert phones["sidorova"].wait(20) == 0, media
    call = _until(lambda: Call.objects.filter(state=Call.State.ENDED).first())
    assert call is not None and call.call_id == talking.call_id
    assert (call.agent.user.username, call.queue.code) == ("sidorova", "psy"), media
    assert call.folded["summary"]["transfers"] == 1 and call.consulted is None
    assert call.talk_seconds > 0 and Call.objects.count() == 1
    states = _until(lambda: _states_if_wrapping_up(agents, ("ivanova", "sidorova")))
    assert states, {u: Agent.objects.get(pk=agents[u].pk).state for u in ("ivanova", "sidorova")}


def _states_if_wrapping_up(agents: dict, usernames: tuple[str, ...]) -> bool:
    """Both agents in wrap-up (the call's last events may still be on their way)."""
    return all(Agent.objects.get(pk=agents[u].pk).state == AgentState.WRAP_UP for u in usernames)
