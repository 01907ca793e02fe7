"""The rule builder's model: a tree of groups and conditions as the page's form sends it,
turned into the JSON the engine stores (and back), and the builder's actions (add, remove,
move). Pure: no database, so every step is tested without a page.

The form is flat, one row per node in document order: `node=<id>`, `parent-<id>`,
`kind-<id>` (group | cond); a group's `type-<id>` (all | any | none); a condition's
`fact-<id>` (a fact code or «@rule»), `op-<id>`, `value-<id>`, `to-<id>` (upper bound of
«от … до»), `values-<id>` (regions, disability groups), `flag-<id>` (yes | no),
`unit-<id>` (pm: × the region's subsistence minimum | rub) and `rule-<id>`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from vmeste.directory.eligibility.facts import (
    CHOICE,
    FACTS,
    FLAG,
    MONEY,
    NUMBER,
    OPS,
    PRESENCE,
    REGION,
)

RULE = "@rule"  # the «fact» of a condition that refers to a named rule
GROUP_TYPES = ("all", "any", "none")
DEFAULT_OP = {NUMBER: ">=", MONEY: "<=", REGION: "in", CHOICE: "in", FLAG: "is"}
MAX_NODES = 200  # a page posting more is not a person editing a rule
_WHOLE = re.compile(r"\d{1,9}")


@dataclass
class Node:
    id: int
    kind: str = "cond"  # cond | group
    type: str = "all"  # group: all | any | none
    fact: str = "age"
    op: str = ">="
    value: str = ""
    to: str = ""
    values: list[str] = field(default_factory=list)
    flag: str = "yes"
    unit: str = "pm"
    rule: str = ""
    children: list[Node] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    @property
    def fact_kind(self) -> str:
        if self.fact == RULE:
            return RULE
        fact = FACTS.get(self.fact)
        return fact.kind if fact else ""


@dataclass
class Serialised:
    tree: dict
    paths: dict[int, str]  # node id → where the validator reports it
    parts: dict[int, dict]  # node id → that node's own JSON (its per-condition check)


# --- JSON → builder -----------------------------------------------------------------------


def from_tree(tree: object) -> Node:
    """The builder tree of a stored condition; the root is always a group."""
    counter = iter(range(MAX_NODES * 10))

    def build(node: object) -> Node:
        nid = next(counter)
        if not isinstance(node, dict):
            return Node(nid)
        for key in ("all", "any"):
            if key in node:
                group = Node(nid, kind="group", type=key)
                group.children = [build(c) for c in node[key] or []]
                return group
        if "not" in node:
            inner = node["not"]
            group = Node(nid, kind="group", type="none")
            if isinstance(inner, dict) and set(inner) == {"any"}:
                group.children = [build(c) for c in inner["any"] or []]
            else:
                group.children = [build(inner)]
            return group
        if "rule" in node:
            return Node(nid, fact=RULE, op="", rule=str(node["rule"]))
        return _leaf_node(nid, node)

    if tree == {} or tree is None:
        return Node(0, kind="group", type="all")
    root = build(tree)
    if root.is_group:
        return root
    wrapper = Node(next(counter), kind="group", type="all", children=[root])
    return wrapper


def _leaf_node(nid: int, leaf: dict) -> Node:
    code, op, value = str(leaf.get("fact", "")), str(leaf.get("op", "")), leaf.get("value")
    node = Node(nid, fact=code, op=op)
    kind = node.fact_kind
    if kind == FLAG:
        node.flag = "no" if value is False else "yes"
    elif kind in (REGION, CHOICE):
        node.values = [str(v) for v in value] if isinstance(value, list) else []
    elif kind == MONEY and isinstance(value, dict):
        node.unit, node.value = "pm", _number_text(value.get("subsistence_minimum"))
    elif kind == MONEY:
        node.unit, node.value = "rub", _number_text(value)
    elif op == "between" and isinstance(value, list) and len(value) == 2:
        node.value, node.to = _number_text(value[0]), _number_text(value[1])
    else:
        node.value = _number_text(value)
    return node


def _number_text(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",") if isinstance(value, int | float) else str(value)


# --- form → builder -----------------------------------------------------------------------


def from_form(data) -> Node:
    """The builder tree the page sent. Rows whose parent is missing are dropped (a form can
    only lose them by tampering); the first row without a parent is the root."""
    ids: list[int] = []
    for raw in data.getlist("node")[:MAX_NODES]:
        if raw.isdecimal() and int(raw) not in ids:
            ids.append(int(raw))
    nodes: dict[int, Node] = {}
    for nid in ids:
        kind = "group" if data.get(f"kind-{nid}") == "group" else "cond"
        node = Node(nid, kind=kind)
        if kind == "group":
            node.type = data.get(f"type-{nid}") if data.get(f"type-{nid}") in GROUP_TYPES else "all"
        else:
            _read_condition(node, data)
        nodes[nid] = node
    root: Node | None = None
    for nid in ids:
        parent = data.get(f"parent-{nid}", "")
        if parent == "" and root is None and nodes[nid].is_group:
            root = nodes[nid]
        elif parent.isdecimal() and int(parent) != nid and int(parent) in nodes:
            owner = nodes[int(parent)]
            if owner.is_group:
                owner.children.append(nodes[nid])
    return root or Node(0, kind="group", type="all")


def _read_condition(node: Node, data) -> None:
    nid = node.id
    node.fact = data.get(f"fact-{nid}", "")
    if node.fact != RULE and node.fact not in FACTS:
        node.fact = "age"
    kind = node.fact_kind
    op = data.get(f"op-{nid}", "")
    # A fact of another type was just chosen: its operators differ, start from the usual one.
    node.op = "" if kind == RULE else (op if op in OPS[kind] else DEFAULT_OP[kind])
    node.value = data.get(f"value-{nid}", "").strip()[:40]
    node.to = data.get(f"to-{nid}", "").strip()[:40]
    node.values = [v for v in data.getlist(f"values-{nid}") if v][:100]
    node.flag = "no" if data.get(f"flag-{nid}") == "no" else "yes"
    node.unit = "rub" if data.get(f"unit-{nid}") == "rub" else "pm"
    node.rule = data.get(f"rule-{nid}", "").strip()[:80]


# --- builder → JSON -----------------------------------------------------------------------


def to_tree(root: Node, *, path: str = "eligibility") -> Serialised:
    """The engine's JSON. Canonical: a root «all» of one condition is that condition, a root
    «all» of none is {} (everyone), «none of» one node is {"not": node}."""
    paths: dict[int, str] = {}
    parts: dict[int, dict] = {}

    def put(node: Node, where: str, is_root: bool = False) -> dict:
        paths[node.id] = where
        if not node.is_group:
            parts[node.id] = _leaf_json(node)
            return parts[node.id]
        kids = node.children
        if is_root and node.type == "all" and len(kids) <= 1:
            json = put(kids[0], where) if kids else {}
        elif node.type in ("all", "any"):
            key = node.type
            json = {key: [put(c, f"{where}.{key}[{i}]") for i, c in enumerate(kids)]}
        elif len(kids) == 1:
            json = {"not": put(kids[0], f"{where}.not")}
        else:
            json = {"not": {"any": [put(c, f"{where}.not.any[{i}]") for i, c in enumerate(kids)]}}
        parts[node.id] = json
        return json

    tree = put(root, path, is_root=True)
    return Serialised(tree, paths, parts)


def _leaf_json(node: Node) -> dict:
    kind = node.fact_kind
    if kind == RULE:
        return {"rule": node.rule}
    if node.op in PRESENCE:
        return {"fact": node.fact, "op": node.op}
    if kind == FLAG:
        return {"fact": node.fact, "op": "is", "value": node.flag == "yes"}
    if kind in (REGION, CHOICE):
        return {"fact": node.fact, "op": node.op, "value": list(node.values)}
    if kind == MONEY and node.unit == "pm":
        value: object = {"subsistence_minimum": parse_number(node.value)}
    elif node.op == "between":
        value = [parse_number(node.value), parse_number(node.to)]
    else:
        value = parse_number(node.value)
    return {"fact": node.fact, "op": node.op, "value": value}


def parse_number(text: str) -> object:
    """«60» → 60, «1,5» → 1.5, «20 000» → 20000; anything else stays text for the validator
    to refuse with its own message, next to the condition."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if _WHOLE.fullmatch(cleaned):
        return int(cleaned)
    try:
        number = float(cleaned)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


# --- actions ------------------------------------------------------------------------------


def walk(root: Node):
    """(node, parent) pairs, depth first."""
    stack: list[tuple[Node, Node | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in reversed(node.children))


def apply(root: Node, action: str) -> str:
    """Do one builder action («add:3», «group:3», «del:7», «up:7», «down:7», «out:7») and
    return the id of the control to focus afterwards, so the keyboard stays where it was."""
    verb, _sep, raw = action.partition(":")
    found = {node.id: (node, parent) for node, parent in walk(root)}
    if not raw.isdecimal() or int(raw) not in found:
        return ""
    node, parent = found[int(raw)]
    new_id = max(found) + 1
    if verb in ("add", "group") and node.is_group:
        if len(found) + 2 > MAX_NODES:
            return f"add-{node.id}"
        if verb == "add":
            node.children.append(Node(new_id))
            return f"fact-{new_id}"
        node.children.append(Node(new_id, kind="group", type="any", children=[Node(new_id + 1)]))
        return f"type-{new_id}"
    if parent is None:
        return ""
    siblings = parent.children
    at = siblings.index(node)
    first_control = f"type-{node.id}" if node.is_group else f"fact-{node.id}"
    if verb == "del":
        siblings.remove(node)
        return f"add-{parent.id}"
    if verb in ("up", "down"):
        to = at - 1 if verb == "up" else at + 1
        if 0 <= to < len(siblings):
            siblings[at], siblings[to] = siblings[to], siblings[at]
        edge = to <= 0 if verb == "up" else to >= len(siblings) - 1
        return first_control if edge else f"{verb}-{node.id}"
    if verb == "out":
        grand = found[parent.id][1]
        if grand is not None:
            siblings.remove(node)
            grand.children.insert(grand.children.index(parent) + 1, node)
        return first_control
    return ""


# --- errors next to their condition -------------------------------------------------------


def errors_by_node(
    errors: dict[str, list[str]], paths: dict[int, str]
) -> tuple[dict[int, list[str]], dict[str, list[str]]]:
    """The validator's {path: messages} placed on the deepest node each path falls in (an
    error inside a named rule lands on the condition that refers to it); what falls in no
    node (the rule's name, its code) is returned as is."""
    placed: dict[int, list[str]] = {}
    rest: dict[str, list[str]] = {}
    for where, messages in errors.items():
        best, best_len = None, -1
        for nid, path in paths.items():
            inside = where == path or where.startswith((path + ".", path + "→"))
            if inside and len(path) >= best_len:
                best, best_len = nid, len(path)
        if best is None:
            rest.setdefault(where, []).extend(messages)
        else:
            placed.setdefault(best, []).extend(messages)
    return placed, rest
