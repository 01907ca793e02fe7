"""A condition tree said in words, for the people who edit it and the operators who read it:
«возраст ≥ 60 и (регион — Волгоградская обл. или инвалидность I группы)».

Pure apart from gettext (the words follow the reader's language, so nothing here is cached).
Written to survive a half-built tree from the rule builder: a missing or wrong value reads
as «…», never as an exception — the validator, not this text, says what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vmeste.directory.eligibility.facts import (
    CHOICE,
    FACTS,
    FLAG,
    MONEY,
    OP_TEXT,
    PRESENCE,
    REGION,
    number,
)

GAP = "…"
# «инвалидность I группы»: how a group reads after the word «инвалидность».
DISABILITY_AFTER = {
    "1": gettext_noop("I группы"),
    "2": gettext_noop("II группы"),
    "3": gettext_noop("III группы"),
    "child": gettext_noop("у ребёнка"),
}


def describe(
    tree: object,
    *,
    region_names: Mapping[str, str] | None = None,
    rule_names: Mapping[str, str] | None = None,
) -> str:
    """The whole tree in one line; «все обратившиеся» for the empty tree (everyone)."""
    if tree == {}:
        return _("все обратившиеся (условий нет)")
    return _Sayer(region_names or {}, rule_names or {}).say(tree, top=True)


class _Sayer:
    def __init__(self, region_names: Mapping[str, str], rule_names: Mapping[str, str]):
        self.region_names = region_names
        self.rule_names = rule_names

    def say(self, node: object, top: bool = False) -> str:
        if not isinstance(node, dict):
            return GAP
        for key, word in (("all", _(" и ")), ("any", _(" или "))):
            if key in node:
                children = node[key] if isinstance(node[key], list) else []
                if not children:
                    return GAP
                text = word.join(self.say(child) for child in children)
                return text if top or len(children) == 1 else f"({text})"
        if "not" in node:
            inner = node["not"]
            compound = isinstance(inner, dict) and ("all" in inner or "any" in inner)
            said = self.say(inner, top=True)
            return _("не (%s)") % said if compound else _("не %s") % said
        if "rule" in node:
            code = node["rule"]
            return _("правило «%s»") % self.rule_names.get(code, code)
        return self.leaf(node)

    def leaf(self, node: dict) -> str:
        fact = FACTS.get(node.get("fact"))
        if fact is None:
            return GAP
        label, op, value = _(fact.label), node.get("op"), node.get("value")
        if op in PRESENCE:
            return _("%s: известно") % label if op == "known" else _("%s: неизвестно") % label
        if fact.kind == FLAG:
            if value is True:
                return label
            return _("не %s") % label if value is False else f"{label}: {GAP}"
        if fact.kind in (REGION, CHOICE):
            values = value if isinstance(value, list) and value else None
            if fact.kind == CHOICE:
                groups = (
                    _(" или ").join(_(DISABILITY_AFTER.get(v, str(v))) for v in values)
                    if values
                    else GAP
                )
                return (
                    _("нет инвалидности %s") % groups
                    if op == "not_in"
                    else _("инвалидность %s") % groups
                )
            names = ", ".join(self.region(v) for v in values) if values else GAP
            if op == "not_in":
                return _("регион — не %s") % names
            return _("регион — %s") % names
        if op == "between":
            low, high = value if isinstance(value, list) and len(value) == 2 else (GAP, GAP)
            return _("%(label)s от %(low)s до %(high)s") % {
                "label": label,
                "low": self.number(low),
                "high": self.number(high),
            }
        sign = OP_TEXT.get(op, GAP)
        if fact.kind == MONEY and isinstance(value, dict):
            ratio = value.get("subsistence_minimum")
            amount = _("%s × прожиточный минимум региона") % self.number(ratio)
        elif fact.kind == MONEY:
            amount = f"{self.number(value)} ₽" if self.is_number(value) else GAP
        else:
            amount = self.number(value)
        return f"{label} {sign} {amount}"

    def region(self, code: str) -> str:
        name = self.region_names.get(code, code)
        return name.replace(" область", " обл.") if name.endswith(" область") else name

    @staticmethod
    def is_number(value: object) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    def number(self, value: object) -> str:
        if not self.is_number(value):
            return GAP
        if isinstance(value, int) and value >= 10_000:
            return f"{value:,}".replace(",", " ")
        return number(value)
