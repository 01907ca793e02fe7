"""The menu's checks (pure): every error, each with its path; a sound menu passes."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from vmeste.contactcenter.ivrmenu import Known, check
from vmeste.demo.voicemenu import MENU, ROBOT_ARTICLE

KNOWN = Known(
    queues={"wat-food", "wat-medical", "wat-psy", "wat-social", "wat-volunteer", "wat-general"},
    articles={ROBOT_ARTICLE},
)


def node(document: dict, node_id: str) -> dict:
    return next(n for n in document["nodes"] if n["id"] == node_id)


def paths(document) -> list[str]:
    return [p.path for p in check(document, KNOWN)]


def test_the_demo_menu_is_sound():
    assert check(MENU, KNOWN) == []


def test_every_error_is_listed_with_its_path():
    bad = copy.deepcopy(MENU)
    node(bad, "food")["queue"] = "no-such-queue"
    node(bad, "utilities")["article"] = "kb-999"
    node(bad, "lawyer")["number"] = "юрист"
    node(bad, "main")["options"][1]["digit"] = "1"  # twice
    node(bad, "services")["options"].append({"digit": "7", "to": "nowhere"})
    assert paths(bad) == [
        "nodes[0] (main).options[1].digit",
        "nodes[1] (food).queue",
        "nodes[7] (utilities).article",
        "nodes[9] (services).options[3].to",
        "nodes[10] (lawyer).number",
    ]
    messages = [str(p) for p in check(bad, KNOWN)]
    assert "nodes[1] (food).queue: Нет такой очереди линии: «no-such-queue»." in messages


def test_a_menu_without_options_is_a_dead_end():
    bad = copy.deepcopy(MENU)
    node(bad, "services")["options"] = []
    assert paths(bad) == ["nodes[9] (services).options"]


def test_more_than_ten_options_are_refused():
    bad = copy.deepcopy(MENU)
    node(bad, "main")["options"].append({"digit": "5", "to": "food"})
    assert "nodes[0] (main).options" in paths(bad)


def test_an_unreachable_node_is_named():
    bad = copy.deepcopy(MENU)
    node(bad, "main")["options"] = [o for o in node(bad, "main")["options"] if o["digit"] != "6"]
    assert paths(bad) == ["nodes[6] (isolation)"]


def test_a_loop_without_exit_is_refused_and_one_with_an_exit_is_not():
    looped = copy.deepcopy(MENU)
    looped["nodes"] += [
        {"id": "a", "kind": "message", "prompt": "А", "next": "b"},
        {"id": "b", "kind": "menu", "prompt": "Б", "default": "1",
         "options": [{"digit": "1", "to": "a"}]},
    ]  # fmt: skip
    node(looped, "services")["options"].append({"digit": "3", "to": "a"})
    assert paths(looped) == ["nodes[14] (a)", "nodes[15] (b)"]
    node(looped, "b")["options"].append({"digit": "2", "to": "food"})
    assert paths(looped) == ["nodes[15] (b).default"]  # an exit, but silence goes round
    node(looped, "b")["default"] = "2"
    assert paths(looped) == []


def test_zero_reaches_the_operator_everywhere():
    bad = copy.deepcopy(MENU)
    node(bad, "services")["options"].append({"digit": "0", "to": "main"})
    node(bad, "main")["options"][-1]["to"] = "food"  # a queue, not the operator's
    assert paths(bad) == ["nodes[0] (main).options[9].to", "nodes[9] (services).options[3].to"]


def test_a_silent_caller_must_not_go_round_for_ever():
    bad = copy.deepcopy(MENU)
    node(bad, "main")["default"] = "9"  # silence in main → services, whose silence → main
    assert paths(bad) == ["nodes[0] (main).default", "nodes[9] (services).default"]
    node(bad, "main")["default"] = "6"  # → a message that leads back to main
    assert paths(bad) == ["nodes[0] (main).default", "nodes[9] (services).default"]
    node(bad, "main")["default"] = "1"  # → a queue
    assert paths(bad) == []


def test_entries_and_the_operator_queue():
    bad = copy.deepcopy(MENU)
    bad.update(start="night", night="main", operator_queue="x", extra=1)
    assert paths(bad) == ["start", "night", "operator_queue", "extra"]
    assert paths([]) == ["/"]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_one_broken_reference_is_found_and_nothing_else(data):
    """Point one option of one menu anywhere: the check refuses it exactly when the target
    does not exist, and says where."""
    document = copy.deepcopy(MENU)
    menus = [i for i, n in enumerate(document["nodes"]) if n["kind"] == "menu"]
    index = data.draw(st.sampled_from(menus))
    options = document["nodes"][index]["options"]
    number = data.draw(st.sampled_from([i for i, o in enumerate(options) if o["digit"] != "0"]))
    target = data.draw(st.sampled_from([n["id"] for n in document["nodes"]] + ["ghost"]))
    options[number]["to"] = target
    found = check(document, KNOWN)
    if target == "ghost":
        assert [p.path for p in found] == [
            f"nodes[{index}] ({document['nodes'][index]['id']}).options[{number}].to"
        ]
    else:  # a real target: only reachability / loops may complain, never the reference
        assert all(".to" not in p.path for p in found)


@st.composite
def menus(draw) -> dict:
    """A random sound menu: a tree of menus (depth ≤ 3, 1–8 options each, maybe a 9) whose
    leaves are any kind of end, some sub-menus with a way back up (a loop with exits)."""
    nodes: list[dict] = []
    counter = iter(range(10_000))

    def grow(depth: int) -> str:
        node_id = f"n{next(counter)}"
        leaf = depth >= 3 or (depth > 0 and draw(st.booleans()))
        if leaf:
            kind = draw(st.sampled_from(["queue", "message", "callback", "transfer", "robot"]))
            nodes.append({"id": node_id, "kind": kind, **LEAF[kind]})
            return node_id
        node = {"id": node_id, "kind": "menu", "prompt": "Выберите.", "options": []}
        nodes.append(node)
        digits = draw(st.lists(st.sampled_from("123456789"), min_size=1, max_size=8, unique=True))
        node["options"] = [{"digit": d, "to": grow(depth + 1)} for d in digits]
        if depth and draw(st.booleans()) and "9" not in digits:
            node["options"].append({"digit": "9", "to": "n0"})  # back to the main menu
        return node_id

    grow(0)
    nodes.append({"id": "night", "kind": "message", "prompt": "Ночь."})
    return {"start": "n0", "night": "night", "operator_queue": "wat-general", "nodes": nodes}


LEAF = {
    "queue": {"queue": "wat-food"},
    "message": {"prompt": "Сообщение."},
    "callback": {"queue": "wat-psy"},
    "transfer": {"number": "+74950000000"},
    "robot": {"article": ROBOT_ARTICLE},
}


def _ghost(document: dict, node: dict, index: int) -> str | None:
    if node["kind"] != "queue":
        return None
    node["queue"] = "ghost"
    return f"nodes[{index}] ({node['id']}).queue"


def _twice(document: dict, node: dict, index: int) -> str | None:
    if node["kind"] != "menu":
        return None
    node["options"].append(dict(node["options"][0]))
    return f"nodes[{index}] ({node['id']}).options[{len(node['options']) - 1}].digit"


def _number(document: dict, node: dict, index: int) -> str | None:
    if node["kind"] != "transfer":
        return None
    node["number"] = "номер"
    return f"nodes[{index}] ({node['id']}).number"


def _empty(document: dict, node: dict, index: int) -> str | None:
    if node["kind"] != "message":
        return None
    node["prompt"] = " "
    return f"nodes[{index}] ({node['id']}).prompt"


@settings(max_examples=150, deadline=None)
@given(menus(), st.data())
def test_every_injected_error_is_listed_at_its_path(document, data):
    """Sound random menus pass; break several of their nodes at once, each in its own way:
    the check names every one of them, at its path, and nothing else."""
    assert check(document, KNOWN) == []
    faults = [_ghost, _twice, _number, _empty]
    expected = set()
    for index, node in enumerate(document["nodes"]):
        fault = data.draw(st.sampled_from([None, *faults]))
        where = fault(document, node, index) if fault else None
        if where:
            expected.add(where)
    assert {p.path for p in check(document, KNOWN)} == expected


@settings(max_examples=150, deadline=None)
@given(menus(), st.data())
def test_a_cut_branch_is_unreachable_and_a_closed_loop_has_no_exit(document, data):
    menus_ = [i for i, n in enumerate(document["nodes"]) if n["kind"] == "menu"]
    index = data.draw(st.sampled_from(menus_))
    node = document["nodes"][index]
    # A closed loop: a new sub-menu whose only option leads back to itself.
    node["options"] = [o for o in node["options"] if o["digit"] != "9"][:8]
    node["options"].append({"digit": "9", "to": "trap"})
    document["nodes"].append({"id": "trap", "kind": "menu", "prompt": "Ловушка.",
                              "options": [{"digit": "1", "to": "trap"}]})  # fmt: skip
    # An orphan: listed, but no digit leads to it.
    document["nodes"].append({"id": "orphan", "kind": "queue", "queue": "wat-food"})
    paths = [p.path for p in check(document, KNOWN)]
    count = len(document["nodes"])
    assert f"nodes[{count - 2}] (trap)" in paths
    assert f"nodes[{count - 1}] (orphan)" in paths
