"""The media node's heartbeat names the node (its SIP host:port) and lists every call it
holds, so that Vmeste can end the calls of a node gone (``contactcenter.nodewatch``); the
offer and the answer it tells carry the same name."""

from __future__ import annotations

import asyncio

from vmeste.telephony.edgeclient import VmesteClient
from vmeste.telephony.tests.callscene import (
    HOST,
    dial,
    hang_up,
    media_menu,
    press,
    run,
    scene,
    settle,
    until,
)


def test_the_offer_and_the_heartbeat_name_the_node_which_lists_the_callers_it_holds():
    async def scenario():
        app, vmeste, caller, _phones = await scene([])  # nobody free: the caller waits
        invite, ok, media = await dial(app, caller)
        press(caller, media, "1")

        def listed():
            return [b for b in getattr(vmeste, "beats", []) if invite.call_id in b[1]]

        await until(lambda: listed(), 5)  # every second while a caller waits
        hang_up(caller, app, invite, ok)
        await settle(app)
        held_after = app.holding()
        app.close()
        offers = [e for e in vmeste.events if e[0] == "call_offered"]
        return app.node, listed()[0], held_after, offers

    node, beat, held_after, offers = run(scenario())
    assert node.startswith(f"{HOST}:") and beat[0] == node
    # The waiting caller's node, told with the offer: Vmeste ends it if the node vanishes.
    assert [(call_id, data["node"]) for _type, call_id, data in offers] == [(beat[1][0], node)]
    assert held_after == []  # gone with the caller: the next heartbeat lists nothing


def test_the_heartbeat_tells_the_callers_in_the_menu_until_they_reach_a_queue():
    """A caller still choosing is unknown to Vmeste: each heartbeat tells what their end
    would (``in_menu``), so that Vmeste ends them should this node die; once offered to a
    queue they are Vmeste's call and listed as such only."""

    async def scenario():
        app, vmeste, caller, _phones = await scene([])  # nobody free: the caller waits
        slow = media_menu()  # a caller who takes their time to choose
        for node in slow["nodes"].values():
            node["timeout_seconds"] = 30

        async def menu(line: str) -> dict:
            return slow

        vmeste.menu = menu

        def told():
            menus = getattr(vmeste, "menus", [])
            return [m for menu in menus for m in menu if m["call_id"] == invite.call_id]

        invite, ok, media = await dial(app, caller)
        app.callers[invite.call_id].number = "7" * 40  # an odd SIP user: told cut to 32
        await until(told, 7)  # every 5 s while nobody waits in a queue
        odd = app.callers[invite.call_id]
        odd.call_id, real = "x" * 101, odd.call_id  # a Call-ID too long for Vmeste
        too_long = app.in_menu()
        odd.call_id = real
        press(caller, media, "1")
        await until(lambda: app.callers[invite.call_id].offered, 5)
        after_offer = app.in_menu()
        hang_up(caller, app, invite, ok)
        await settle(app)
        app.close()
        return told()[0], after_offer, too_long

    in_menu, after_offer, too_long = run(scenario())
    assert {k: in_menu[k] for k in ("line", "caller_number", "ivr_path", "served")} == {
        "line": "we-are-together", "caller_number": "7" * 32, "ivr_path": "",
        "served": False,
    }  # fmt: skip
    assert 3.0 <= in_menu["menu_seconds"] <= 7.0  # its first beat after the answer
    assert after_offer == []
    assert too_long == []  # left out: listed, it would have the whole heartbeat refused


def test_the_client_sends_the_name_and_the_calls_and_nothing_without_a_name(monkeypatch):
    sent = []
    client = VmesteClient("http://vmeste.invalid", "token")
    monkeypatch.setattr(client, "_request", lambda *a: sent.append(a) or {"rung": []})

    async def beats():
        await client.heartbeat("10.0.0.1:5070", ["c1", "c2"])
        await client.heartbeat("10.0.0.1:5070", ["c3"], [{"call_id": "m1", "line": "l"}])
        await client.heartbeat()

    asyncio.run(beats())
    client.close()
    assert sent == [
        ("POST", "/telephony/dispatch", {"node": "10.0.0.1:5070", "calls": ["c1", "c2"]}),
        (
            "POST",
            "/telephony/dispatch",
            {"node": "10.0.0.1:5070", "calls": ["c3"], "menu": [{"call_id": "m1", "line": "l"}]},
        ),
        ("POST", "/telephony/dispatch", {}),
    ]
