"""A caller's way through the demo's national menu, key by key (pure): the branches land in
the queues of the same IVR paths; silence, wrong keys and `#` storms end at the operator;
any sequence of keys keeps the walk consistent and a silent caller always ends."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vmeste.contactcenter import ivrmenu
from vmeste.contactcenter.ivrwalk import End, Position, enter, press
from vmeste.demo.callcentre import QUEUES
from vmeste.demo.voicemenu import MENU


def media(document: dict, *, is_open: bool = True) -> dict:
    """The document in the shape `ivr.for_media` answers (without the sound files)."""
    nodes = {}
    for node in document["nodes"]:
        nodes[node["id"]] = {
            "kind": node["kind"],
            "prompt": node.get("prompt", ""),
            "audio": "",
            "replays": node.get("replays", ivrmenu.DEFAULT_REPLAYS),
            "default": node.get("default") or "0",
            "options": {o["digit"]: o["to"] for o in node.get("options", [])},
            **{k: node.get(k, "") for k in ("queue", "article", "number", "next")},
        }
    entry = document["start"] if is_open else document["night"]
    return {"entry": entry, "operator_queue": document["operator_queue"], "nodes": nodes}


DAY = media(MENU)


def walk(keys: list[str | None], menu: dict = DAY) -> tuple[list[str], End | None, Position]:
    step = enter(menu)
    played = list(step.play)
    for key in keys:
        if step.end is not None:
            break
        step = press(menu, step.position, key)
        played += step.play
    return played, step.end, step.position


def test_each_branch_reaches_the_queue_of_its_ivr_path():
    for queue in (q for q in QUEUES if q.line == "we-are-together"):
        _played, end, _ = walk([queue.ivr_path])
        assert (end.kind, end.queue, end.ivr_path) == ("queue", queue.code, queue.ivr_path)


def test_the_other_branches():
    assert walk(["7"])[1] == End("robot", "utilities", "7", article="kb-013")
    assert walk(["8"])[1] == End("callback", "call-me", "8", queue="wat-general")
    assert walk(["9", "1"])[1] == End("transfer", "lawyer", "9-1", number="+74950000000")
    played, end, _ = walk(["9", "2"])
    assert played == ["main", "services", "cashback"] and end.kind == "message"
    played, end, at = walk(["9", "9", "6"])  # back to the main menu, a message, main again
    assert played == ["main", "services", "main", "isolation", "main"]
    assert end is None and at == Position("main", 0, ("9", "9", "6"))


def test_silence_and_wrong_keys_replay_then_reach_the_operator():
    played, end, _ = walk([None, "#", None])
    assert played == ["main", "main", "main"]
    assert (end.queue, end.ivr_path) == ("wat-general", "0")
    # In the sub-menu the default is 9: back to the main menu, then the same again.
    played, end, at = walk(["9", "*", "5", None])
    assert played == ["main", "services", "services", "services", "main"]
    assert end is None and at.keys == ("9", "9")


def test_zero_reaches_the_operator_from_anywhere_and_night_says_the_message():
    for keys in (["0"], ["9", "0"], ["9", "#", "0"]):
        end = walk(keys)[1]
        assert (end.kind, end.queue) == ("queue", "wat-general")
        assert end.ivr_path == "-".join([*[k for k in keys if k != "#"][:-1], "0"])
    played, end, _ = walk([], media(MENU, is_open=False))
    assert played == ["night"] and end == End("message", "night", "")


KEYS = st.sampled_from([None, "#", "*", *"0123456789"])


@settings(max_examples=300, deadline=None)
@given(st.lists(KEYS, max_size=40))
def test_any_keys_keep_the_walk_consistent(keys):
    step = enter(DAY)
    for key in keys:
        if step.end is not None:
            break
        before = step.position
        step = press(DAY, before, key)
        assert (step.end is None) != (step.position is None)
        if step.position is not None:
            assert DAY["nodes"][step.position.node]["kind"] == "menu"
            assert step.play and step.play[-1] == step.position.node
            assert set(step.position.keys) <= set("0123456789")
    if step.end is not None:
        taken = step.end.ivr_path.split("-") if step.end.ivr_path else []
        assert all(k in "0123456789" for k in taken)
        if step.end.kind in ("queue", "callback"):
            assert step.end.queue in {q.code for q in QUEUES}


@settings(max_examples=100, deadline=None)
@given(st.lists(KEYS, max_size=10))
def test_a_silent_caller_always_ends(keys):
    """Whatever they pressed first, then silence: the walk ends (the checks refuse menus
    whose time-outs go round), within the replays of every menu once."""
    _played, end, _at = walk(keys)
    if end is None:
        menus = sum(1 for n in DAY["nodes"].values() if n["kind"] == "menu")
        bound = menus * (ivrmenu.DEFAULT_REPLAYS + 1)
        assert walk(keys + [None] * bound)[1] is not None
