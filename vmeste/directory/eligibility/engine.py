"""The eligibility engine: three-valued (true / false / unknown) evaluation of condition trees
over a person profile, with a reason per condition and the facts whose answers would decide.

Pure: no I/O, no Django. Trees are compiled once into closures (`compile_measure`), so one
person against thousands of measures costs a few microseconds per measure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from vmeste.directory.eligibility.facts import (
    DISABILITY_TEXT,
    FACTS,
    FLAG,
    MONEY,
    OP_TEXT,
    REGION,
    Fact,
    money,
    number,
    value_text,
)

YES, NO, UNKNOWN = True, False, None
MARK = {YES: "✓", NO: "✗"}

# A compiled node: profile → (value, reasons, facts to ask)
Node = Callable[[Mapping], tuple[bool | None, list[str], list[str]]]

_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "between": lambda a, b: b[0] <= a <= b[1],
}


@dataclass(frozen=True)
class MeasureSpec:
    id: int
    name: str
    condition: dict
    regions: frozenset[str] = frozenset()  # empty: the whole country
    needs: tuple[str, ...] = ()


@dataclass
class Verdict:
    id: int
    name: str
    value: bool | None
    reasons: list[str]
    ask: list[str] = field(default_factory=list)  # fact codes
    needs: tuple[str, ...] = ()

    @property
    def questions(self) -> list[str]:
        return [FACTS[code].question for code in self.ask]


@dataclass
class Assessment:
    eligible: list[Verdict] = field(default_factory=list)
    maybe: list[Verdict] = field(default_factory=list)
    ineligible: list[Verdict] = field(default_factory=list)

    @property
    def ask(self) -> list[str]:
        """Every fact worth asking, most deciding first."""
        counts: dict[str, int] = {}
        for verdict in self.maybe:
            for code in verdict.ask:
                counts[code] = counts.get(code, 0) + 1
        return sorted(counts, key=lambda c: (-counts[c], c))


def _leaf(node: dict) -> Node:
    fact: Fact = FACTS[node["fact"]]
    op, expected = node["op"], node["value"]
    code, label = fact.code, fact.label
    ask = [code]

    if fact.kind == FLAG:
        said = label if expected else f"не {label}"

        def flag(profile: Mapping):
            actual = profile.get(code)
            if actual is None:
                return UNKNOWN, [f"{said} — неизвестно"], ask
            value = actual is expected
            return value, [f"{said} {MARK[value]}"], []

        return flag

    if fact.kind in (REGION, "choice"):
        wanted = frozenset(expected)
        negate = op == "not_in"

        def member(profile: Mapping):
            actual = profile.get(code)
            if actual is None:
                return UNKNOWN, [f"{label} — неизвестно"], ask
            value = (actual in wanted) != negate
            shown = DISABILITY_TEXT.get(actual, actual) if fact.kind != REGION else ""
            return value, [f"{label} {shown} {MARK[value]}".replace("  ", " ")], []

        return member

    compare = _COMPARE[op]
    relative = expected.get("subsistence_minimum") if isinstance(expected, dict) else None
    rule_text = f"{OP_TEXT[op]} {value_text(fact, expected)}"
    if op == "between":
        rule_text = f"от {number(expected[0])} до {number(expected[1])}"
    show = money if fact.kind == MONEY else number

    def compare_leaf(profile: Mapping):
        actual = profile.get(code)
        if actual is None:
            return UNKNOWN, [f"{label} — неизвестно"], ask
        bound = expected
        if relative is not None:
            minimum = profile.get("subsistence_minimum")
            if minimum is None:
                return UNKNOWN, [f"{label}: прожиточный минимум региона неизвестен"], []
            bound = relative * minimum
            value = compare(actual, bound)
            return value, [f"{label} {show(actual)} {rule_text} ({money(bound)}) {MARK[value]}"], []
        value = compare(actual, bound)
        return value, [f"{label} {show(actual)} {rule_text} {MARK[value]}"], []

    return compare_leaf


def _all(children: list[Node]) -> Node:
    def conj(profile: Mapping):
        result, reasons, ask = YES, [], []
        for child in children:
            value, why, child_ask = child(profile)
            reasons += why
            if value is NO:
                result = NO
            elif value is UNKNOWN:
                if result is YES:
                    result = UNKNOWN
                ask += child_ask
        return result, reasons, ask if result is UNKNOWN else []

    return conj


def _any(children: list[Node]) -> Node:
    def disj(profile: Mapping):
        result, reasons, ask = NO, [], []
        for child in children:
            value, why, child_ask = child(profile)
            reasons += why
            if value is YES:
                result = YES
            elif value is UNKNOWN:
                if result is NO:
                    result = UNKNOWN
                ask += child_ask
        return result, ["(" + " или ".join(reasons) + ")"], ask if result is UNKNOWN else []

    return disj


def _not(child: Node) -> Node:
    def neg(profile: Mapping):
        value, why, ask = child(profile)
        flipped = UNKNOWN if value is UNKNOWN else not value
        return flipped, ["не (" + "; ".join(why) + ")"], ask

    return neg


def _everyone(profile: Mapping):
    return YES, [], []


def compile_tree(node: dict, rules: Mapping[str, dict]) -> Node:
    """Closures for a validated tree; `{"rule": code}` is inlined from `rules`."""
    if not node:
        return _everyone
    if "all" in node:
        return _all([compile_tree(c, rules) for c in node["all"]])
    if "any" in node:
        return _any([compile_tree(c, rules) for c in node["any"]])
    if "not" in node:
        return _not(compile_tree(node["not"], rules))
    if "rule" in node:
        return compile_tree(rules[node["rule"]], rules)
    return _leaf(node)


@dataclass(frozen=True)
class CompiledMeasure:
    spec: MeasureSpec
    check: Node


def compile_measure(spec: MeasureSpec, rules: Mapping[str, dict]) -> CompiledMeasure:
    tree = compile_tree(spec.condition, rules)
    if spec.regions:
        where = _leaf({"fact": "region", "op": "in", "value": sorted(spec.regions)})
        tree = _all([where, tree])
    return CompiledMeasure(spec, tree)


def evaluate(measure: CompiledMeasure, profile: Mapping) -> Verdict:
    value, reasons, ask = measure.check(profile)
    spec = measure.spec
    return Verdict(spec.id, spec.name, value, reasons, list(dict.fromkeys(ask)), spec.needs)


def assess(measures: list[CompiledMeasure], profile: Mapping) -> Assessment:
    result = Assessment()
    for measure in measures:
        verdict = evaluate(measure, profile)
        if verdict.value is YES:
            result.eligible.append(verdict)
        elif verdict.value is NO:
            result.ineligible.append(verdict)
        else:
            result.maybe.append(verdict)
    return result
