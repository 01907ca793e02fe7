"""Checking a condition tree before it is saved: shape, facts, operators, values, references
to named rules (and their cycles), and conditions that can never hold together.

Tree nodes: {"all": [...]}, {"any": [...]}, {"not": node}, {"rule": "<code>"},
{"fact": "<code>", "op": "<op>", "value": ...}. An empty tree ({}) means "everyone".
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from django.utils.translation import gettext as _

from vmeste.directory.eligibility.facts import (
    FACTS,
    FLAG,
    MONEY,
    OP_TEXT,
    OPS,
    PRESENCE,
    REGION,
    Fact,
)

Errors = dict[str, list[str]]
MAX_DEPTH = 12
# Whole numbers: ages and household sizes are counted, never fractional.
WHOLE = frozenset({"age", "household_size"})


def validate(
    tree: object,
    *,
    rules: Mapping[str, object],
    region_codes: set[str] | frozenset[str],
    path: str = "eligibility",
    own_code: str | None = None,
) -> Errors:
    """{path: [Russian messages]}; empty when the tree may be saved."""
    errors: Errors = {}

    def err(where: str, message: str) -> None:
        errors.setdefault(where, []).append(message)

    def walk(node: object, where: str, stack: tuple[str, ...], depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            err(where, _("Слишком глубокая вложенность (больше %d уровней).") % MAX_DEPTH)
            return
        if not isinstance(node, dict):
            err(where, _("Условие должно быть объектом."))
            return
        if node == {} and where == path:
            return
        keys = set(node)
        if keys in ({"all"}, {"any"}):
            (key,) = keys
            children = node[key]
            if not isinstance(children, list) or not children:
                err(f"{where}.{key}", _("Нужен непустой список условий."))
                return
            for i, child in enumerate(children):
                walk(child, f"{where}.{key}[{i}]", stack, depth + 1)
        elif keys == {"not"}:
            walk(node["not"], f"{where}.not", stack, depth + 1)
        elif keys == {"rule"}:
            code = node["rule"]
            if code in stack or code == own_code:
                err(where, _("Цикл в правилах: %s.") % " → ".join((*stack, code)))
            elif code not in rules:
                err(where, _("Нет правила с кодом «%s».") % code)
            else:
                walk(rules[code], f"{where}→{code}", (*stack, code), depth + 1)
        elif "fact" in keys:
            _leaf(node, where, err, region_codes)
        else:
            err(where, _("Ожидалось all, any, not, rule или fact."))

    walk(tree, path, (own_code,) if own_code else ())
    if not errors:
        for where, message in contradictions(tree, rules=rules, path=path):
            err(where, message)
    return errors


def _leaf(node: dict, where: str, err, region_codes) -> None:
    unknown_keys = set(node) - {"fact", "op", "value"}
    if unknown_keys:
        err(where, _("Лишние ключи: %s.") % ", ".join(sorted(unknown_keys)))
    fact = FACTS.get(node.get("fact"))
    if fact is None:
        err(f"{where}.fact", _("Неизвестный признак «%s».") % node.get("fact"))
        return
    op, value = node.get("op"), node.get("value")
    if op not in OPS[fact.kind]:
        allowed_ops = ", ".join(OP_TEXT.get(o, o) for o in OPS[fact.kind])
        err(
            f"{where}.op",
            _("Для признака «%(fact)s» допустимо: %(ops)s.")
            % {"fact": _(fact.label), "ops": allowed_ops},
        )
        return
    if problem := _value_problem(fact, op, value, region_codes):
        err(f"{where}.value", problem)


def _value_problem(fact: Fact, op: str, value, region_codes) -> str | None:
    """What is wrong with a condition's value for its fact and operator, or None."""
    if op in PRESENCE:
        return (
            _("Для «известно» и «неизвестно» значение не указывают.") if value is not None else None
        )
    if fact.kind == FLAG:
        return None if isinstance(value, bool) else _("Ожидалось «да» или «нет» (true или false).")
    if fact.kind == MONEY:
        return _sum_problem(value)
    if op == "between":
        return _range_problem(fact, value)
    if fact.kind in (REGION, "choice"):
        return _choice_problem(fact, value, region_codes)
    return None if _is_whole(value) else _("Ожидалось целое неотрицательное число.")


def _sum_problem(value) -> str | None:
    """A sum of money: a non-negative number, or a positive multiple of the region's
    subsistence minimum ({"subsistence_minimum": 1.5})."""
    if isinstance(value, dict):
        ratio = value.get("subsistence_minimum")
        if set(value) != {"subsistence_minimum"} or not _is_number(ratio) or ratio <= 0:
            return _("Множитель прожиточного минимума — положительное число, например 1,5.")
        return None
    if not _is_number(value) or value < 0:
        return _("Ожидалась неотрицательная сумма.")
    return None


def _range_problem(fact: Fact, value) -> str | None:
    check = _is_whole if fact.code in WHOLE else _is_number
    if not (isinstance(value, list) and len(value) == 2 and all(map(check, value))):
        return _("Ожидалось «от» и «до» — неотрицательные числа.")
    if value[0] > value[1]:
        return _("«От» (%(low)s) больше «до» (%(high)s).") % {"low": value[0], "high": value[1]}
    return None


def _choice_problem(fact: Fact, value, region_codes) -> str | None:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        return _("Выберите хотя бы одно значение.")
    allowed = region_codes if fact.kind == REGION else set(fact.choices)
    unknown = [v for v in value if v not in allowed]
    if unknown:
        return _("Неизвестные значения: %s.") % ", ".join(unknown)
    return None


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1000


# --- contradictions ---------------------------------------------------------------------------


def contradictions(tree, *, rules: Mapping[str, object], path: str) -> list[tuple[str, str]]:
    """Conjunctions whose leaves cannot all hold: «возраст ≥ 60» and «возраст < 18»."""
    found: list[tuple[str, str]] = []

    def conjuncts(node, acc: list[dict]) -> None:
        if "all" in node:
            for child in node["all"]:
                conjuncts(child, acc)
        elif "rule" in node:
            conjuncts(rules[node["rule"]], acc)
        elif "fact" in node:
            acc.append(node)

    def visit(node, where: str) -> None:
        if not isinstance(node, dict) or not node:
            return
        if "all" in node:
            leaves: list[dict] = []
            conjuncts(node, leaves)
            message = _clash(leaves)
            if message:
                found.append((where, message))
                return
        for key in ("all", "any"):
            for i, child in enumerate(node.get(key, [])):
                visit(child, f"{where}.{key}[{i}]")
        if "not" in node:
            visit(node["not"], f"{where}.not")

    visit(tree, path)
    return found


def _clash(leaves: list[dict]) -> str | None:
    by_fact: dict[str, list[dict]] = {}
    for leaf in leaves:
        by_fact.setdefault(leaf["fact"], []).append(leaf)
    for code, group in by_fact.items():
        fact = FACTS[code]
        # «unknown» with anything else said of the same fact: nothing can hold for an unknown.
        if any(leaf["op"] == "unknown" for leaf in group) and any(
            leaf["op"] != "unknown" for leaf in group
        ):
            return _("Условия противоречат друг другу: «%s» и неизвестно, и известно.") % _(
                fact.label
            )
        group = [leaf for leaf in group if leaf["op"] not in PRESENCE]
        if fact.kind == FLAG and len({leaf["value"] for leaf in group}) > 1:
            return _("Условия противоречат друг другу: «%s» и да, и нет.") % _(fact.label)
        if fact.kind in (REGION, "choice"):
            allowed: set[str] | None = None
            excluded: set[str] = set()
            for leaf in group:
                if leaf["op"] == "in":
                    allowed = (
                        set(leaf["value"]) if allowed is None else allowed & set(leaf["value"])
                    )
                else:
                    excluded |= set(leaf["value"])
            if allowed is not None and not (allowed - excluded):
                return _("Условия противоречат друг другу: ни одно значение «%s» не подходит.") % _(
                    fact.label
                )
        if fact.kind in ("number", MONEY):
            numeric = [leaf for leaf in group if not isinstance(leaf["value"], dict)]
            if numeric and _empty_interval(numeric):
                said = _(" и ").join(
                    f"{_(fact.label)} {OP_TEXT[leaf['op']]} {leaf['value']}" for leaf in numeric
                )
                return _("Условия противоречат друг другу: %s.") % said
    return None


def _empty_interval(leaves: list[dict]) -> bool:
    lo, lo_open, hi, hi_open = -math.inf, False, math.inf, False
    points_excluded: set[float] = set()
    for leaf in leaves:
        op, v = leaf["op"], leaf["value"]
        bounds = {
            ">=": [(v, False, None, None)],
            ">": [(v, True, None, None)],
            "<=": [(None, None, v, False)],
            "<": [(None, None, v, True)],
            "=": [(v, False, v, False)],
            "between": [(v[0], False, v[1], False)] if op == "between" else [],
        }.get(op, [])
        if op == "!=":
            points_excluded.add(v)
        for new_lo, new_lo_open, new_hi, new_hi_open in bounds:
            if new_lo is not None and (new_lo > lo or (new_lo == lo and new_lo_open)):
                lo, lo_open = new_lo, new_lo_open
            if new_hi is not None and (new_hi < hi or (new_hi == hi and new_hi_open)):
                hi, hi_open = new_hi, new_hi_open
    if lo > hi or (lo == hi and (lo_open or hi_open)):
        return True
    return lo == hi and lo in points_excluded
