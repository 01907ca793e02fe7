"""A callback put through (the agent's phone, then the caller's behind the gateway, both
legs ours) is transferred as any caller talking to an agent, on the node's stand-in scene
(``callscene``: the phones' peer answers both the agents' rings and the caller's): the
site's blind order to a queue or a number, the agent's REFER, a warm transfer; the call
told to Vmeste as one call, to its end."""

from __future__ import annotations

import pytest

from vmeste.telephony import sip
from vmeste.telephony.tests.callscene import (
    HOST,
    SPECIALIST,
    drain,
    from_agent_phone,
    kinds,
    run,
    scene,
    settle,
    until,
)

CALL = "cb1"
NUMBER = "79001234567"  # the caller dialled back through the gateway


async def _called_back():
    """Ivanova's callback placed: her phone answered, then the caller's; Sidorova is the
    next agent Vmeste names. The scene, the node's caller and what each phone got so far."""
    app, vmeste, _caller, phones = await scene(["sidorova"])
    vmeste.due = [{"call_id": CALL, "agent": "ivanova", "caller_number": NUMBER,
                   "line": "we-are-together", "given_at": ""}]  # fmt: skip
    app.on_answer({"rung": [{"call_id": CALL, "agent": "ivanova", "callback": True}]})
    await until(lambda: CALL in app.callers and app.callers[CALL].state == "bridged", 10)
    await until(lambda: getattr(vmeste, "claimed_for", None) == [CALL])  # claimed for
    return app, vmeste, phones, app.callers[CALL]


def _leg(phones, user: str) -> str:
    return phones.invites[user][0].call_id


async def _to_the_end(app, vmeste, phones, me, until_rung: str):
    """Until ``until_rung`` was rung and put through; then the caller hangs up. What each
    leg got, by whom, in order (ACKs left out), whom the caller talked to last and the
    media ports the caller's phone was offered (ours: the music; a phone's: 4000)."""
    await until(lambda: until_rung in phones.rung and me.state == "bridged", 10)
    last = me.agent
    from_agent_phone(phones, app, NUMBER, "BYE")  # the caller hangs up
    await settle(app)
    app.close()
    got: dict[str, list[str]] = {}
    offered = []
    for message in drain(phones):
        if message.method != "ACK":
            user = next(u for u, (i, _t) in phones.invites.items() if i.call_id == message.call_id)
            got.setdefault(user, []).append(message.method)
        if message.method == "INVITE" and message.call_id == _leg(phones, NUMBER):
            offered.append(sip.parse_sdp(message.body).port)
    return got, last, offered


def test_a_callback_transferred_from_the_site_to_a_queue_rings_its_next_agent():
    async def scenario():
        app, vmeste, phones, me = await _called_back()
        vmeste.orders = [{"call_id": CALL, "to_queue": "psy", "to_agent": "",
                          "to_number": "", "asked_by": "ivanova"}]  # fmt: skip
        return (*await _to_the_end(app, vmeste, phones, me, "sidorova"), me, vmeste)

    got, last, offered, me, vmeste = run(scenario())
    assert last == "sidorova" and offered == [me.stream.port, 4000]  # our music, then hers
    assert got["ivanova"] == ["BYE"]  # let go: no REFER, no NOTIFY
    assert got[NUMBER] == ["INVITE", "INVITE"]  # onto our music, then to Sidorova
    assert got["sidorova"] == ["BYE"]  # hung up on when the caller left
    assert kinds(vmeste) == ["callback_dialing", "callback_answered", "call_transferred",
                             "call_answered", "call_ended"]  # fmt: skip
    assert vmeste.events[2][1:] == (CALL, {"to_queue": "psy"})
    assert vmeste.events[3][2]["agent"] == "sidorova"
    assert {e[1] for e in vmeste.events if e[0] != "agent_state"} == {CALL}


def test_a_callback_transferred_from_the_site_to_a_number_is_put_through_there():
    async def scenario():
        app, vmeste, phones, me = await _called_back()
        vmeste.orders = [{"call_id": CALL, "to_queue": "", "to_agent": "",
                          "to_number": SPECIALIST, "asked_by": "ivanova"}]  # fmt: skip
        return (*await _to_the_end(app, vmeste, phones, me, SPECIALIST), vmeste)

    got, last, offered, vmeste = run(scenario())
    assert last == SPECIALIST and got["ivanova"] == ["BYE"] and offered[-1] == 4000
    assert got[NUMBER] == ["INVITE", "INVITE"] and got[SPECIALIST] == ["BYE"]
    assert kinds(vmeste) == ["callback_dialing", "callback_answered", "call_transferred",
                             "call_ended"]  # fmt: skip
    assert vmeste.events[2][2]["to_number"] == SPECIALIST


def test_an_agents_refer_during_a_callback_is_carried_out():
    async def scenario():
        app, vmeste, phones, me = await _called_back()
        from_agent_phone(phones, app, "ivanova", "REFER", [
            ("refer-to", f"<sip:psy@{HOST}>"),
            ("contact", f"<sip:ivanova@{HOST}:{phones.port}>"),
        ])  # fmt: skip
        return (*await _to_the_end(app, vmeste, phones, me, "sidorova"), vmeste)

    got, last, _offered, vmeste = run(scenario())
    assert last == "sidorova" and got["ivanova"] == ["NOTIFY", "BYE"]
    assert kinds(vmeste)[2:] == ["call_transferred", "call_answered", "call_ended"]
    assert vmeste.events[2][2] == {"to_queue": "psy"}


@pytest.mark.parametrize("end", ["complete", "return"])
def test_a_warm_transfer_during_a_callback_consults_then_puts_through_or_returns(end):
    async def scenario():
        app, vmeste, phones, me = await _called_back()
        order = {"call_id": CALL, "to_queue": "", "to_agent": "", "to_number": SPECIALIST,
                 "asked_by": "ivanova"}  # fmt: skip
        vmeste.orders = [{**order, "step": "consult"}]
        await until(lambda: me.consult_leg is not None and me.consult_leg.call_id in me.acks)
        vmeste.orders = [{**order, "step": end}]
        await until(lambda: not vmeste.orders)
        whom = SPECIALIST if end == "complete" else "ivanova"
        return (*await _to_the_end(app, vmeste, phones, me, whom), vmeste)

    got, last, _offered, vmeste = run(scenario())
    # Onto our music, then to the specialist (or back to Ivanova).
    assert got[NUMBER] == ["INVITE", "INVITE"]
    if end == "complete":
        assert last == SPECIALIST and got["ivanova"][-1] == "BYE"
        assert kinds(vmeste)[2:] == ["call_transferred", "call_ended"]
        assert vmeste.events[2][2] == {"to_number": SPECIALIST}
    else:
        assert last == "ivanova" and got[SPECIALIST][-1] == "BYE"
        assert got["ivanova"][-1] == "BYE"  # hung up on when the caller left
        assert kinds(vmeste)[2:] == ["call_ended"]
