"""A caller offered to a queue, on the node's stand-in scene (``callscene``): hanging up
while waiting, an offer Vmeste has not taken yet, a busy agent and the next one Vmeste
names, the place and expected wait said between the music, the callback offer taken or
not."""

from __future__ import annotations

import asyncio

import pytest

from vmeste.telephony import ivrplay
from vmeste.telephony.outbox import VmesteDelayed
from vmeste.telephony.tests.callscene import (
    FakeVmeste,
    dial,
    hang_up,
    kinds,
    offered,
    press,
    run,
    scene,
    settle,
)


def test_hanging_up_while_waiting_is_one_end_of_an_offered_call():
    async def scenario():
        app, vmeste, caller, _phones = await scene([])  # nobody to ring
        invite, ok, media = await dial(app, caller)
        press(caller, media, "1")
        await offered(vmeste)
        hang_up(caller, app, invite, ok)
        await settle(app)
        app.close()
        return vmeste

    vmeste = run(scenario())
    assert kinds(vmeste) == ["call_offered", "call_ended"]


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
        app, _vmeste, caller, _phones = await scene([])
        app.vmeste = vmeste = _SlowVmeste([])
        _invite, _ok, media = await dial(app, caller)
        press(caller, media, "1")
        bye = await asyncio.wait_for(caller.requests.get(), 10)  # the fallback, then goodbye
        await settle(app)
        app.close()
        return vmeste, bye, app.prompts.said

    vmeste, bye, said = run(scenario())
    assert bye.method == "BYE" and "временно недоступна" in said[-1]
    # The offer will reach Vmeste: so must the end, or the call would wait there forever.
    assert kinds(vmeste) == ["call_offered", "call_ended"] and vmeste.events[1][2] == {}


def test_a_busy_agent_is_reported_and_the_next_one_vmeste_names_answers():
    async def scenario():
        app, vmeste, caller, phones = await scene(["ivanova", "petrov"], busy={"ivanova"})
        invite, ok, media = await dial(app, caller)
        press(caller, media, "1")
        reinvite = await asyncio.wait_for(caller.requests.get(), 10)
        assert reinvite.method == "INVITE"
        hang_up(caller, app, invite, ok)
        await settle(app)
        app.close()
        return vmeste, phones.rung, app.node

    vmeste, rung, node = run(scenario())
    assert rung == ["ivanova", "petrov"]
    assert vmeste.events[1] == ("agent_state", "ivanova", "no_answer")
    assert kinds(vmeste) == ["call_offered", "agent_state", "call_answered", "call_ended"]
    assert vmeste.events[2][2] == {"agent": "petrov", "node": node}  # who holds the call


def test_a_waiting_caller_hears_their_place_and_wait_then_music(monkeypatch):
    monkeypatch.setattr(ivrplay, "ANNOUNCE_SECONDS", 0.3)

    async def scenario():
        app, vmeste, caller, _phones = await scene([])  # nobody to ring: the caller waits
        invite, ok, media = await dial(app, caller)
        press(caller, media, "2")
        await offered(vmeste)
        await asyncio.sleep(1.5)
        playing = app.callers[invite.call_id].stream.audio[:1]
        hang_up(caller, app, invite, ok)
        await settle(app)
        app.close()
        return vmeste, app.prompts.said, playing

    vmeste, said, playing = run(scenario())
    assert kinds(vmeste) == ["call_offered", "call_ended"]
    assert vmeste.events[0][2]["queue"] == "meds" and vmeste.events[0][2]["ivr_path"] == "2"
    place = "Ваш номер в очереди: 3. Примерное время ожидания, в минутах: 4."
    assert said.count(place) >= 2 and len(vmeste.asked) >= 2  # asked again each time
    assert playing in (b"\x2a", b"\x55")  # the music (or the next announcement), never silence


@pytest.mark.parametrize("key, kept", [("1", True), ("5", False)])
def test_the_callback_offer_keeps_the_place_of_a_caller_who_takes_it(key, kept):
    async def scenario():
        app, vmeste, caller, _phones = await scene([], offer_callback=True)
        invite, ok, media = await dial(app, caller)
        press(caller, media, "1")
        await offered(vmeste)
        await asyncio.sleep(0.4)  # the offer is being said
        press(caller, media, key)
        if kept:  # we hang up on them, after the goodbye
            bye = await asyncio.wait_for(caller.requests.get(), 10)
            assert bye.method == "BYE"
        else:
            await asyncio.sleep(1.0)
            assert app.callers[invite.call_id].state == "queue"
            hang_up(caller, app, invite, ok)
        await settle(app)
        app.close()
        return vmeste, app.prompts.said

    vmeste, said = run(scenario())
    offer = "Если хотите, чтобы мы вам перезвонили, нажмите 1. Ваше место в очереди сохранится."
    assert offer in said
    if kept:
        assert kinds(vmeste) == ["call_offered", "callback_requested", "call_ended"]
    else:
        assert kinds(vmeste) == ["call_offered", "call_ended"]
