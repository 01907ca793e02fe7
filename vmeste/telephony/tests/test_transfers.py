"""Transfers on the node's stand-in scene (``callscene``): an agent's REFER to a queue, a
blind transfer asked from the site, and the warm transfer's three ends (complete, return,
a busy target) to an outside number and to a colleague, with the ``consult`` events told.
The agent hanging up while consulting: ``test_consult_hangup``."""

from __future__ import annotations

import asyncio

import pytest

from vmeste.telephony.tests.callscene import (
    HOST,
    SPECIALIST,
    Peer,
    consulting,
    dial,
    drain,
    from_agent_phone,
    hang_up,
    kinds,
    press,
    run,
    scene,
    settle,
    until,
    warm_order,
)


def _refer(phones: Peer, app, agent: str, target: str) -> None:
    """The agent's phone transfers the caller: a REFER in its leg of the call."""
    from_agent_phone(phones, app, agent, "REFER", [
        ("refer-to", f"<sip:{target}@{HOST}>"),
        ("contact", f"<sip:{agent}@{HOST}:{phones.port}>"),
    ])  # fmt: skip


async def _talking_to_ivanova():
    """A caller of «1» put through to Ivanova (the re-INVITE and its ACK seen); Sidorova
    (psy) is the next agent Vmeste names."""
    app, vmeste, caller, phones = await scene(["ivanova", "sidorova"])
    invite, ok, media = await dial(app, caller)
    press(caller, media, "1")
    for _ in range(2):
        await asyncio.wait_for(caller.requests.get(), 10)
    return app, vmeste, caller, phones, invite, ok


async def _ivanova_let_go(app, caller: Peer, phones: Peer, invite, ok):
    """What Ivanova's phone got past the ACK that bridged her, up to its BYE, the caller's
    next four requests (back on hold, then put through again) and the dialogs the user
    agent then holds; then the caller hangs up."""
    told = []
    while "BYE" not in told:
        message = await asyncio.wait_for(phones.requests.get(), 5)
        told += [message.method] if message.method != "ACK" else []
    methods = [(await asyncio.wait_for(caller.requests.get(), 10)).method for _ in range(4)]
    held = sorted(app.ua.in_dialog)
    hang_up(caller, app, invite, ok)
    await settle(app)
    app.close()
    return told, methods, held


def test_an_agents_refer_to_a_queue_rings_an_agent_of_that_queue():
    async def scenario():
        app, vmeste, caller, phones, invite, ok = await _talking_to_ivanova()
        _refer(phones, app, "ivanova", "psy")
        accepted = await asyncio.wait_for(phones.responses.get(), 5)
        told, methods, _held = await _ivanova_let_go(app, caller, phones, invite, ok)
        return vmeste, phones.rung, accepted, told, methods

    vmeste, rung, accepted, told, methods = run(scenario())
    assert accepted.status == 202 and told == ["NOTIFY", "BYE"]  # Ivanova told and let go
    assert methods == ["INVITE", "ACK", "INVITE", "ACK"]  # back on hold, then to Sidorova
    assert rung == ["ivanova", "sidorova"]
    assert kinds(vmeste) == ["call_offered", "call_answered", "call_transferred",
                             "call_answered", "call_ended"]  # fmt: skip
    assert vmeste.events[2][2] == {"to_queue": "psy"}
    assert vmeste.events[3][2]["agent"] == "sidorova"


def test_a_transfer_asked_from_the_site_lets_the_agent_go_and_rings_the_queue():
    async def scenario():
        app, vmeste, caller, phones, invite, ok = await _talking_to_ivanova()
        vmeste.orders = [{"call_id": invite.call_id, "to_queue": "psy", "to_agent": "",
                          "to_number": "", "asked_by": "ivanova"}]  # fmt: skip
        told, methods, _held = await _ivanova_let_go(app, caller, phones, invite, ok)
        return vmeste, phones.rung, told, methods

    vmeste, rung, told, methods = run(scenario())
    assert told == ["BYE"]  # no REFER, so no NOTIFY: the agent's phone is simply hung up
    assert methods == ["INVITE", "ACK", "INVITE", "ACK"]  # back on hold, then to Sidorova
    assert rung == ["ivanova", "sidorova"] and vmeste.orders == []
    assert kinds(vmeste) == ["call_offered", "call_answered", "call_transferred",
                             "call_answered", "call_ended"]  # fmt: skip
    assert vmeste.events[2][2] == {"to_queue": "psy"}


@pytest.mark.parametrize("how", ["refer", "site"])
def test_the_agent_let_go_by_a_blind_transfer_leaves_no_dialog_behind(how):
    """Ivanova's leg, hung up by the transfer, is no longer the user agent's to dispatch:
    once Sidorova has the caller it holds the caller's dialog and hers, as before the
    transfer the caller's and Ivanova's (her handler stayed until the call ended)."""

    async def scenario():
        app, vmeste, caller, phones, invite, ok = await _talking_to_ivanova()
        before = sorted(app.ua.in_dialog)
        if how == "refer":
            _refer(phones, app, "ivanova", "psy")
        else:
            vmeste.orders = [{"call_id": invite.call_id, "to_queue": "psy", "to_agent": "",
                              "to_number": "", "asked_by": "ivanova"}]  # fmt: skip
        _told, _methods, held = await _ivanova_let_go(app, caller, phones, invite, ok)
        legs = {agent: phones.invites[agent][0].call_id for agent in ("ivanova", "sidorova")}
        return before, held, invite.call_id, legs

    before, held, call, legs = run(scenario())
    assert before == sorted([call, legs["ivanova"]])
    assert held == sorted([call, legs["sidorova"]])


async def _consulting(busy, end: str, orders):
    """Ivanova talks to the caller; the node takes ``orders(invite, "consult")``, then (when
    the target answered) the ``end`` step; the caller hangs up once back with someone.
    What Vmeste was told, who was rung, whom the caller talked to last, what the caller's
    phone got, the BYEs to the phones and Ivanova's leg."""
    app, vmeste, caller, phones, invite, ok, me = await consulting(orders, busy)
    if not busy:  # the consulted phone answered
        vmeste.orders = orders(invite, end)
    await until(lambda: me.state == "bridged" and not vmeste.orders)
    agent = me.agent
    at_caller = [m.method for m in drain(caller)]
    hang_up(caller, app, invite, ok)
    await settle(app)
    app.close()
    ivanova = phones.invites["ivanova"][0].call_id
    byes = [m.call_id for m in drain(phones) if m.method == "BYE"]
    return vmeste, phones.rung, agent, at_caller, byes, ivanova


@pytest.mark.parametrize("busy, end", [((), "complete"), ((), "return"),
                                       ((SPECIALIST,), "")])  # fmt: skip
def test_a_warm_transfer_consults_the_number_then_puts_through_or_returns(busy, end):
    """Consult: the caller held, the specialist rung and put through to the agent; then
    complete (the caller to the specialist, the agent hung up, counted transferred) or
    return (agent and caller together again, the specialist hung up). A busy specialist:
    back with the caller at once."""

    vmeste, rung, agent, at_caller, byes, ivanova = run(_consulting(busy, end, warm_order))
    assert rung == ["ivanova", SPECIALIST]
    # Put through to Ivanova, held (music), then put through again (to whom: below).
    assert at_caller == ["INVITE", "ACK"] * 3
    if end == "complete":
        assert agent == SPECIALIST and byes[0] == ivanova  # she was let go first
        assert kinds(vmeste) == ["call_offered", "call_answered", "call_transferred",
                                 "call_ended"]  # fmt: skip
        assert vmeste.events[2][2] == {"to_number": SPECIALIST}
    else:  # back with Ivanova: the specialist's leg ended (a busy one never began)
        assert agent == "ivanova" and byes[-1] == ivanova  # hung up on when the caller left
        assert len(byes) == (1 if busy else 2)
        assert kinds(vmeste) == ["call_offered", "call_answered", "call_ended"]


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
    assert kinds(vmeste)[-1] == "call_ended"
