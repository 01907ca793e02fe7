"""The voice menu walked key by key on the node's stand-in scene (``callscene``): every bad
input a caller can make (a wrong key, silence, a storm of ``#``, hanging up in the menu)
leaves the call told to Vmeste once and consistently; what the menu itself serves — a
message, the robot's answer, the night message, the callback node, the transfer to an
outside number — is counted once too."""

from __future__ import annotations

import asyncio

import pytest

from vmeste.telephony.tests.callscene import (
    bridged_then_hung_up,
    dial,
    hang_up,
    kinds,
    media_menu,
    press,
    run,
    scene,
    settle,
)


def test_a_wrong_key_replays_then_the_sub_menu_leads_to_its_queue():
    async def scenario():
        app, vmeste, caller, phones = await scene(["sidorova"])
        invite, ok, media = await dial(app, caller)
        press(caller, media, "7")  # no such option: the prompt again
        await asyncio.sleep(0.3)
        press(caller, media, "31")
        bye = await bridged_then_hung_up(app, caller, phones, invite, ok)
        assert phones.rung == ["sidorova"]
        await settle(app)
        app.close()
        return vmeste, bye

    vmeste, bye = run(scenario())
    assert bye.method == "BYE"  # the hang-up reached the agent
    assert kinds(vmeste) == ["call_offered", "call_answered", "call_ended"]
    assert vmeste.events[0][2]["ivr_path"] == "3-1" and vmeste.events[0][2]["centre"] == "nat"


@pytest.mark.parametrize("keys", ["", "#" * 20])
def test_silence_or_a_storm_of_hashes_ends_on_the_default_branch_once(keys):
    async def scenario():
        app, vmeste, caller, _phones = await scene(["ivanova"])
        invite, ok, media = await dial(app, caller)
        press(caller, media, keys)
        reinvite = await asyncio.wait_for(caller.requests.get(), 10)
        assert reinvite.method == "INVITE"
        hang_up(caller, app, invite, ok)
        await settle(app)
        app.close()
        return vmeste

    vmeste = run(scenario())
    assert kinds(vmeste) == ["call_offered", "call_answered", "call_ended"]
    assert vmeste.events[0][2]["ivr_path"] == "1"


def test_hanging_up_in_the_menu_is_counted_once_with_its_path_and_time_and_forgotten():
    async def scenario():
        app, vmeste, caller, _phones = await scene([])
        invite, ok, media = await dial(app, caller)
        press(caller, media, "3")  # into the sub-menu, then gone
        await asyncio.sleep(0.3)
        hang_up(caller, app, invite, ok)
        await settle(app)
        forgotten = not app.callers and not app.ua.in_dialog
        app.close()
        return vmeste, forgotten

    vmeste, forgotten = run(scenario())
    assert forgotten and kinds(vmeste) == ["call_ended"]
    told = vmeste.events[0][2]
    assert told["disposition"] == "abandoned_in_menu" and told["ivr_path"] == "3"
    assert told["line"] == "we-are-together" and told["centre"] == "nat"
    assert told["caller_number"] == "79001234567" and 0.2 < told["menu_seconds"] < 5


def test_the_menus_callback_node_asks_for_the_callback_at_once():
    async def scenario():
        app, vmeste, caller, _phones = await scene([])
        _invite, _ok, media = await dial(app, caller)
        press(caller, media, "8")
        bye = await asyncio.wait_for(caller.requests.get(), 10)
        await settle(app)
        app.close()
        return vmeste, bye, app.prompts.said

    vmeste, bye, said = run(scenario())
    assert bye.method == "BYE" and "Мы перезвоним." in said
    assert kinds(vmeste) == ["call_offered", "callback_requested", "call_ended"]
    assert vmeste.events[0][2]["queue"] == "food" and vmeste.events[0][2]["ivr_path"] == "8"


def test_a_message_leads_back_and_the_transfer_reaches_the_outside_number():
    async def scenario():
        app, vmeste, caller, phones = await scene([])
        invite, ok, media = await dial(app, caller)
        press(caller, media, "4")  # the message, then the main menu again
        await asyncio.sleep(0.8)
        press(caller, media, "9")
        bye = await bridged_then_hung_up(app, caller, phones, invite, ok)  # with the lawyer
        await settle(app)
        app.close()
        return vmeste, phones.rung, bye, app.prompts.said

    vmeste, rung, bye, said = run(scenario())
    assert rung == ["74950000000"] and bye.method == "BYE"
    assert "Пункты выдачи работают до восьми." in said and "Соединяю с юристом." in said
    assert kinds(vmeste) == ["call_transferred"]  # the caller left us there, counted once
    told = vmeste.events[0][2]
    assert told["to_number"] == "74950000000" and told["ivr_path"] == "4-9"


def test_at_night_the_caller_hears_the_night_message_and_is_hung_up_on():
    async def scenario():
        app, vmeste, caller, _phones = await scene([])
        vmeste.menu = _night
        await dial(app, caller)
        bye = await asyncio.wait_for(caller.requests.get(), 10)
        await settle(app)
        app.close()
        return vmeste, bye, app.prompts.said

    vmeste, bye, said = run(scenario())
    assert bye.method == "BYE" and said[0] == "Линия сейчас не работает."
    assert kinds(vmeste) == ["call_ended"]  # a call at night is a call, counted once
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
        app, vmeste, caller, _phones = await scene([])
        _invite, _ok, media = await dial(app, caller)
        press(caller, media, "6")
        bye = await asyncio.wait_for(caller.requests.get(), 10)  # we hang up, after goodbye
        await settle(app)
        app.close()
        return vmeste, bye, app.prompts.said

    vmeste, bye, said = run(scenario())
    assert bye.method == "BYE" and said[-2:] == ["Линия работает с девяти до девяти.",
                                                 "До свидания."]  # fmt: skip
    assert kinds(vmeste) == ["call_ended"]
    told = vmeste.events[0][2]
    assert (told["disposition"], told["ivr_path"], told["centre"]) == ("served_in_menu", "6", "nat")
    assert 0.2 < told["menu_seconds"] < 5


def test_hanging_up_during_the_robots_answer_is_served_not_abandoned():
    async def scenario():
        app, vmeste, caller, _phones = await scene([])
        vmeste.menu = _with_robot
        invite, ok, media = await dial(app, caller)
        press(caller, media, "5")
        for _ in range(100):  # the answer begins
            if "Правила выдачи продуктов." in app.prompts.said:
                break
            await asyncio.sleep(0.02)
        hang_up(caller, app, invite, ok)
        await settle(app)
        app.close()
        return vmeste, app.prompts.said

    vmeste, said = run(scenario())
    assert "До свидания." not in said  # gone before the goodbye
    assert kinds(vmeste) == ["call_ended"]
    assert vmeste.events[0][2]["disposition"] == "served_in_menu"
    assert vmeste.events[0][2]["ivr_path"] == "5"
