"""A caller's way through a voice menu, one key at a time (pure).

The media application holds a `Position` per call and asks `enter` (the call answered) and
`press` (a key, or None when the time-out passed) what to play next and whether the walk has
ended; the menu is `ivr.for_media`'s answer. The rules live here, once: no key or a wrong one
(`*`, `#`, a digit no option has) replays the prompt `replays` times, then the default digit
is taken (the operator's «0» when none); «0» reaches the operator from every node; a message
is played and leads to its `next`, or ends the call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OPERATOR = "0"


@dataclass(frozen=True)
class Position:
    node: str  # the menu waiting for a key
    tries: int = 0  # prompts replayed after no key or a wrong one
    keys: tuple[str, ...] = ()  # the digits taken so far (the IVR path)


@dataclass(frozen=True)
class End:
    kind: str  # queue | callback | transfer | robot | message (then hang up)
    node: str
    ivr_path: str  # the digits taken, "9-1"
    queue: str = ""
    number: str = ""
    article: str = ""


@dataclass(frozen=True)
class Step:
    play: list[str] = field(default_factory=list)  # the nodes whose prompts to play, in order
    position: Position | None = None  # waiting for a key here …
    end: End | None = None  # … or the walk is over


def enter(menu: dict) -> Step:
    """The call answered: the day menu or the night message, by the line's hours."""
    return _arrive(menu, menu["entry"], (), [])


def press(menu: dict, at: Position, key: str | None) -> Step:
    """A key (or None: the time-out passed) at a menu."""
    node = menu["nodes"][at.node]
    if key == OPERATOR:
        return _operator(menu, at.keys, [])
    target = node["options"].get(key) if key else None
    if target is None:
        if at.tries < node["replays"]:
            return Step(play=[at.node], position=Position(at.node, at.tries + 1, at.keys))
        key = node["default"] or OPERATOR
        if key == OPERATOR or key not in node["options"]:
            return _operator(menu, at.keys, [])
        target = node["options"][key]
    return _arrive(menu, target, (*at.keys, key), [])


def _arrive(menu: dict, node_id: str, keys: tuple[str, ...], play: list[str]) -> Step:
    """Into a node: messages are played and followed (a bounded chain: the checks refuse
    loops without exit), a menu waits for a key, anything else ends the walk."""
    for _hop in range(len(menu["nodes"]) + 1):
        node = menu["nodes"][node_id]
        if node["kind"] == "menu":
            return Step(play=[*play, node_id], position=Position(node_id, 0, keys))
        if node["audio"] or node["prompt"]:
            play = [*play, node_id]
        if node["kind"] == "message" and node["next"]:
            node_id = node["next"]
            continue
        return Step(play=play, end=_end(node_id, node, keys))
    return _operator(menu, keys, play)  # a message loop the checks would have refused


def _operator(menu: dict, keys: tuple[str, ...], play: list[str]) -> Step:
    end = End("queue", "", "-".join((*keys, OPERATOR)), queue=menu["operator_queue"])
    return Step(play=play, end=end)


def _end(node_id: str, node: dict, keys: tuple[str, ...]) -> End:
    return End(
        kind=node["kind"],
        node=node_id,
        ivr_path="-".join(keys),
        queue=node["queue"],
        number=node["number"],
        article=node["article"],
    )
