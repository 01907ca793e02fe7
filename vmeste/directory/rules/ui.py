"""What the rule builder page shows, in the reader's language: the facts to choose from, the
operators each type of fact accepts, the value widget it needs, and one view-model per node
(its controls, its errors, the engine's mark)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vmeste.directory.eligibility.facts import (
    CHOICE,
    DISABILITY_GROUPS,
    DISABILITY_TEXT,
    FACTS,
    FLAG,
    MONEY,
    NUMBER,
    OPS,
    PRESENCE,
    REGION,
    SITUATION_FLAGS,
)
from vmeste.directory.rules.builder import RULE, Node
from vmeste.directory.rules.services import Draft

GROUP_TYPES = (
    ("all", gettext_lazy("выполнены все условия (И)")),
    ("any", gettext_lazy("выполнено хотя бы одно (ИЛИ)")),
    ("none", gettext_lazy("не выполнено ни одно (НЕ)")),
)
OP_LABELS = {
    "=": gettext_lazy("= равно"),
    "!=": gettext_lazy("≠ не равно"),
    "<": gettext_lazy("< меньше"),
    "<=": gettext_lazy("≤ не больше"),
    ">": gettext_lazy("> больше"),
    ">=": gettext_lazy("≥ не меньше"),
    "between": gettext_lazy("от … до"),
    "in": gettext_lazy("одно из"),
    "not_in": gettext_lazy("ни одно из"),
    "known": gettext_lazy("известно"),
    "unknown": gettext_lazy("неизвестно"),
}
MARKS = {True: "✓", False: "✗", None: "?"}


def fact_groups(rules: dict[str, str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The fact list of a condition, in optgroups, with Russian (or the reader's) labels."""
    person = [(code, _(FACTS[code].label)) for code in FACTS if code not in SITUATION_FLAGS]
    flags = [(code, _(label)) for code, label in SITUATION_FLAGS.items()]
    groups = [(_("Человек"), person), (_("Положение"), flags)]
    if rules:
        groups.append((_("Именованные правила"), [(RULE, _("выполняется правило…"))]))
    return groups


@dataclass
class NodeView:
    node: Node
    parent_id: int | str
    number: str  # «1.2»: how a screen reader and an error message name the node
    errors: list[str]
    mark: str = ""
    mark_value: bool | None = None
    first: bool = True
    last: bool = True
    depth: int = 0
    children: list[NodeView] = field(default_factory=list)
    ops: list[tuple[str, str]] = field(default_factory=list)
    widget: str = ""  # number | between | money | region | choice | flag | rule
    focus: str = ""  # the control to focus after an action: fact | type | add | up | down


def present(draft: Draft, *, focus: str = "") -> NodeView:
    marks = draft.check.marks if draft.check else {}
    control, _sep, focus_id = focus.rpartition("-")

    def view(node: Node, parent: Node | None, number: str, index: int, depth: int) -> NodeView:
        siblings = parent.children if parent else [node]
        item = NodeView(
            node=node,
            parent_id=parent.id if parent else "",
            number=number,
            errors=draft.node_errors.get(node.id, []),
            first=index == 0,
            last=index == len(siblings) - 1,
            depth=depth,
        )
        if focus_id == str(node.id):
            item.focus = control
        if node.id in marks:
            item.mark_value = marks[node.id]
            item.mark = MARKS[marks[node.id]]
        if node.is_group:
            item.children = [
                view(child, node, f"{number}.{i + 1}" if number else str(i + 1), i, depth + 1)
                for i, child in enumerate(node.children)
            ]
        else:
            item.widget = _widget(node)
            kind = node.fact_kind
            if kind not in (RULE, FLAG):
                item.ops = [(op, str(OP_LABELS[op])) for op in OPS[kind]]
        return item

    return view(draft.root, None, "", 0, 0)


def _widget(node: Node) -> str:
    kind = node.fact_kind
    if node.op in PRESENCE:
        return "none"  # «известно» / «неизвестно» take no value
    if kind == NUMBER:
        return "between" if node.op == "between" else "number"
    return {MONEY: "money", REGION: "region", CHOICE: "choice", FLAG: "flag", RULE: "rule"}[kind]


def disability_choices() -> list[tuple[str, str]]:
    return [(code, _(DISABILITY_TEXT[code])) for code in DISABILITY_GROUPS]
