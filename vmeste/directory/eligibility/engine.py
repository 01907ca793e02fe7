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
    PRESENCE,
    REGION,
    Fact,
    money,
    number,
    value_text,
)

YES, NO, UNKNOWN = True, False, None
MARK = {YES: "✓", NO: "✗"}

# A compiled node is a pair of closures:
#   explain(profile, reasons) → value, appending a reason per condition it looked at; `all`
#     stops at the first false condition and `any` at the first true one (the rest cannot
#     change the answer, and the condition that decided is the reason to show);
#   ask(profile) → (value, facts whose answers would decide), run only for "maybe" verdicts.
Explain = Callable[[Mapping, list], bool | None]
Ask = Callable[[Mapping], tuple[bool | None, list[str]]]
Node = tuple[Explain, Ask]

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


@dataclass(slots=True)
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


def _presence(code: str, label: str, op: str) -> Node:
    """«known» / «unknown»: decided by the profile itself, never unknown."""
    wanted = op == "known"
    texts = {True: f"{label}: известно", False: f"{label}: неизвестно"}

    def explain(profile: Mapping, reasons: list):
        known = profile.get(code) is not None
        reasons.append(f"{texts[known]} {MARK[known is wanted]}")
        return known is wanted

    def ask(profile: Mapping):
        return (profile.get(code) is not None) is wanted, []

    return explain, ask


def _leaf(node: dict) -> Node:
    """One condition on one fact, compiled by the fact's kind."""
    fact: Fact = FACTS[node["fact"]]
    op, expected = node["op"], node.get("value")
    if op in PRESENCE:
        return _presence(fact.code, fact.label, op)
    if fact.kind == FLAG:
        return _flag(fact, expected)
    if fact.kind in (REGION, "choice"):
        return _membership(fact, op, expected)
    relative = expected.get("subsistence_minimum") if isinstance(expected, dict) else None
    if relative is None:
        return _fixed_bound(fact, op, expected)
    return _relative_bound(fact, op, expected, relative)


def _node(code: str, unknown_text: str, say: Callable, holds: Callable) -> Node:
    """A leaf on one fact: unknown while the profile lacks it; otherwise `say(actual, profile,
    reasons)` gives the value with its reason, and `holds(actual, profile)` the value alone."""

    def explain(profile: Mapping, reasons: list):
        actual = profile.get(code)
        if actual is None:
            reasons.append(unknown_text)
            return UNKNOWN
        return say(actual, profile, reasons)

    def ask(profile: Mapping):
        actual = profile.get(code)
        if actual is None:
            return UNKNOWN, [code]
        return holds(actual, profile), []

    return explain, ask


def _flag(fact: Fact, expected: bool) -> Node:
    """«is a pensioner» (or «is not»): a yes/no fact equal to the expected answer."""
    said = fact.label if expected else f"не {fact.label}"
    texts = {YES: f"{said} ✓", NO: f"{said} ✗"}

    def say(actual, profile: Mapping, reasons: list):
        value = actual is expected
        reasons.append(texts[value])
        return value

    return _node(fact.code, f"{said} — неизвестно", say, lambda actual, _p: actual is expected)


def _membership(fact: Fact, op: str, expected) -> Node:
    """A region or a choice (disability group) among the listed ones, or not among them."""
    label = fact.label
    wanted = frozenset(expected)
    negate = op == "not_in"

    def say(actual, profile: Mapping, reasons: list):
        value = (actual in wanted) != negate
        if fact.kind == REGION:
            reasons.append(f"{label} {MARK[value]}")
        else:
            reasons.append(f"{label}: {DISABILITY_TEXT.get(actual, 'нет')} {MARK[value]}")
        return value

    def holds(actual, profile: Mapping):
        return (actual in wanted) != negate

    return _node(fact.code, f"{label} — неизвестно", say, holds)


def _bound_text(fact: Fact, op: str, expected) -> str:
    if op == "between":
        return f"от {number(expected[0])} до {number(expected[1])}"
    return f"{OP_TEXT[op]} {value_text(fact, expected)}"


def _fixed_bound(fact: Fact, op: str, expected) -> Node:
    """A number or a sum compared with a constant («income < 20 000 ₽», «age between»)."""
    label, compare = fact.label, _COMPARE[op]
    show = money if fact.kind == MONEY else number
    fixed = f" {_bound_text(fact, op, expected)} "

    def say(actual, profile: Mapping, reasons: list):
        value = compare(actual, expected)
        reasons.append(label + " " + show(actual) + fixed + MARK[value])
        return value

    def holds(actual, profile: Mapping):
        return compare(actual, expected)

    return _node(fact.code, f"{label} — неизвестно", say, holds)


def _relative_bound(fact: Fact, op: str, expected, relative) -> Node:
    """A sum compared with a multiple of the region's subsistence minimum, itself a fact of
    the profile: unknown while the minimum is."""
    label, compare = fact.label, _COMPARE[op]
    show = money if fact.kind == MONEY else number
    rule_text = _bound_text(fact, op, expected)

    def bound_of(profile: Mapping):
        minimum = profile.get("subsistence_minimum")
        return None if minimum is None else relative * minimum

    def say(actual, profile: Mapping, reasons: list):
        bound = bound_of(profile)
        if bound is None:
            reasons.append(f"{label}: прожиточный минимум региона неизвестен")
            return UNKNOWN
        value = compare(actual, bound)
        reasons.append(f"{label} {show(actual)} {rule_text} ({money(bound)}) {MARK[value]}")
        return value

    def holds(actual, profile: Mapping):
        bound = bound_of(profile)
        return UNKNOWN if bound is None else compare(actual, bound)

    return _node(fact.code, f"{label} — неизвестно", say, holds)


def _all(children: list[Node]) -> Node:
    explains = [c[0] for c in children]
    asks = [c[1] for c in children]

    def explain(profile: Mapping, reasons: list):
        result = YES
        for child in explains:
            value = child(profile, reasons)
            if value is NO:
                return NO
            if value is UNKNOWN:
                result = UNKNOWN
        return result

    return explain, _asking(asks, decisive=NO, otherwise=YES)


def _any(children: list[Node]) -> Node:
    explains = [c[0] for c in children]
    asks = [c[1] for c in children]

    def explain(profile: Mapping, reasons: list):
        inner: list[str] = []
        result = NO
        for child in explains:
            value = child(profile, inner)
            if value is YES:
                result = YES
                break
            if value is UNKNOWN:
                result = UNKNOWN
        reasons.append(inner[0] if len(inner) == 1 else "(" + " или ".join(inner) + ")")
        return result

    return explain, _asking(asks, decisive=YES, otherwise=NO)


def _asking(asks: list, *, decisive, otherwise):
    """The `ask` of "all" (a NO decides, else YES) and of "any" (a YES decides, else NO): a
    decisive child ends it and nothing need be asked; else UNKNOWN while any child is, with
    the facts those children still need."""

    def ask(profile: Mapping):
        result, facts = otherwise, []
        for child in asks:
            value, child_facts = child(profile)
            if value is decisive:
                return decisive, []
            if value is UNKNOWN:
                result = UNKNOWN
                facts += child_facts
        return result, facts

    return ask


def _not(child: Node) -> Node:
    child_explain, child_ask = child

    def explain(profile: Mapping, reasons: list):
        inner: list[str] = []
        value = child_explain(profile, inner)
        reasons.append("не (" + "; ".join(inner) + ")")
        return UNKNOWN if value is UNKNOWN else not value

    def ask(profile: Mapping):
        value, facts = child_ask(profile)
        return (UNKNOWN, facts) if value is UNKNOWN else (not value, [])

    return explain, ask


def _everyone_explain(profile: Mapping, reasons: list):
    return YES


def _everyone_ask(profile: Mapping):
    return YES, []


def compile_tree(node: dict, rules: Mapping[str, dict]) -> Node:
    """Closures for a validated tree; `{"rule": code}` is inlined from `rules`."""
    if not node:
        return _everyone_explain, _everyone_ask
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
    explain: Explain
    ask: Ask


def compile_measure(spec: MeasureSpec, rules: Mapping[str, dict]) -> CompiledMeasure:
    node = compile_tree(spec.condition, rules)
    if spec.regions:
        where = _leaf({"fact": "region", "op": "in", "value": sorted(spec.regions)})
        node = _all([where, node])
    return CompiledMeasure(spec, *node)


def evaluate(measure: CompiledMeasure, profile: Mapping) -> Verdict:
    reasons: list[str] = []
    value = measure.explain(profile, reasons)
    ask = list(dict.fromkeys(measure.ask(profile)[1])) if value is UNKNOWN else []
    spec = measure.spec
    return Verdict(spec.id, spec.name, value, reasons, ask, spec.needs)


class MeasureIndex:
    """Measures grouped by region: a person is checked in full only against the measures of
    their own region and the nationwide ones; the others are refused for the region alone
    (those verdicts are built once per region and shared, read-only)."""

    def __init__(self, measures: list[CompiledMeasure]):
        self.measures = measures
        self.nationwide = [m for m in measures if not m.spec.regions]
        self.regional = [m for m in measures if m.spec.regions]
        self.by_region: dict[str, list[CompiledMeasure]] = {}
        for m in self.regional:
            for region in m.spec.regions:
                self.by_region.setdefault(region, []).append(m)
        self._outside: dict[int, Verdict] = {}
        self._outside_of: dict[str, list[Verdict]] = {}

    def checked_in(self, region: str) -> list[CompiledMeasure]:
        return self.nationwide + self.by_region.get(region, [])

    def outside_of(self, region: str) -> list[Verdict]:
        verdicts = self._outside_of.get(region)
        if verdicts is None:
            verdicts = [
                self._outside_verdict(m) for m in self.regional if region not in m.spec.regions
            ]
            self._outside_of[region] = verdicts
        return verdicts

    def _outside_verdict(self, measure: CompiledMeasure) -> Verdict:
        spec = measure.spec
        verdict = self._outside.get(spec.id)
        if verdict is None:
            verdict = Verdict(spec.id, spec.name, NO, ["регион ✗"], [], spec.needs)
            self._outside[spec.id] = verdict
        return verdict


def assess(measures: list[CompiledMeasure] | MeasureIndex, profile: Mapping) -> Assessment:
    index = measures if isinstance(measures, MeasureIndex) else MeasureIndex(measures)
    result = Assessment()
    region = profile.get("region")
    if region is None:
        checked = index.measures
    else:
        checked = index.checked_in(region)
        result.ineligible = list(index.outside_of(region))
    for measure in checked:
        verdict = evaluate(measure, profile)
        if verdict.value is YES:
            result.eligible.append(verdict)
        elif verdict.value is NO:
            result.ineligible.append(verdict)
        else:
            result.maybe.append(verdict)
    return result
