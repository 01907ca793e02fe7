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


def test_the_client_sends_the_name_and_the_calls_and_nothing_without_a_name(monkeypatch):
    sent = []
    client = VmesteClient("http://vmeste.invalid", "token")
    monkeypatch.setattr(client, "_request", lambda *a: sent.append(a) or {"rung": []})

    async def beats():
        await client.heartbeat("10.0.0.1:5070", ["c1", "c2"])
        await client.heartbeat()

    asyncio.run(beats())
    client.close()
    assert sent == [
        ("POST", "/telephony/dispatch", {"node": "10.0.0.1:5070", "calls": ["c1", "c2"]}),
        ("POST", "/telephony/dispatch", {}),
    ]
