"""The same condition trees as database filters, for bulk checks over millions of persons.

Each node compiles to two filters: "surely true" and "surely false" (three-valued logic: a
row in neither is unknown). `may_qualify` is then "not surely false". Leaves are gated by
"the fact is known" so that SQL's own NULL logic never decides. `prefix` lets the same tree
run over requests (`person__`) as over persons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, F, Func, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast

from vmeste.directory.eligibility.facts import (
    FACTS,
    FLAG,
    MONEY,
    PRESENCE,
    REGION,
    SITUATION_FLAGS,
)

STATED_AGE = "_stated_age"


class DaysSince(Func):
    """Whole days from a date column to a given day, on PostgreSQL and SQLite alike."""

    output_field = IntegerField()

    def __init__(self, column: str, day: date):
        super().__init__(F(column), Value(day.isoformat()))

    def as_postgresql(self, compiler, connection, **extra):
        column, day = (compiler.compile(e) for e in self.source_expressions)
        return f"(CAST({day[0]} AS date) - {column[0]})", [*day[1], *column[1]]

    def as_sql(self, compiler, connection, **extra):
        column, day = (compiler.compile(e) for e in self.source_expressions)
        return (
            f"CAST(julianday({day[0]}) - julianday({column[0]}) AS INTEGER)",
            [*day[1], *column[1]],
        )


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass
class Compiled:
    true: Q
    false: Q

    @property
    def may(self) -> Q:
        return ~self.false


def annotate(queryset: QuerySet, *, today: date, prefix: str = "") -> QuerySet:
    """The age said on the phone, grown by the years since it was said (Person.age_on)."""
    return queryset.annotate(
        **{
            STATED_AGE: F(f"{prefix}age_stated")
            + Cast(DaysSince(f"{prefix}age_stated_on", today), IntegerField()) / 365
        }
    )


def compile_q(
    node: dict,
    *,
    rules: Mapping[str, dict],
    today: date,
    prefix: str = "",
    regions: frozenset[str] = frozenset(),
) -> Compiled:
    """Filters for a validated tree (and the measure's regions, when it has any)."""
    compiled = _node(node, rules, today, prefix)
    if regions:
        where = _leaf({"fact": "region", "op": "in", "value": sorted(regions)}, today, prefix)
        compiled = Compiled(where.true & compiled.true, where.false | compiled.false)
    return compiled


def _node(node: dict, rules, today: date, p: str) -> Compiled:
    if not node:
        return Compiled(Q(), Q(pk__in=[]))
    if "all" in node:
        parts = [_node(c, rules, today, p) for c in node["all"]]
        true, false = parts[0].true, parts[0].false
        for part in parts[1:]:
            true, false = true & part.true, false | part.false
        return Compiled(true, false)
    if "any" in node:
        parts = [_node(c, rules, today, p) for c in node["any"]]
        true, false = parts[0].true, parts[0].false
        for part in parts[1:]:
            true, false = true | part.true, false & part.false
        return Compiled(true, false)
    if "not" in node:
        inner = _node(node["not"], rules, today, p)
        return Compiled(inner.false, inner.true)
    if "rule" in node:
        return _node(rules[node["rule"]], rules, today, p)
    return _leaf(node, today, p)


_LOOKUP = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


def _compare(column: str, op: str, value) -> Q:
    if op == "between":
        return Q(**{f"{column}__gte": value[0], f"{column}__lte": value[1]})
    if op == "!=":
        return ~Q(**{f"{column}__exact": value})
    return Q(**{f"{column}__{_LOOKUP[op]}": value})


def _age(op: str, value, today: date, p: str) -> tuple[Q, Q]:
    """(known, holds). A birth date decides by a date bound (index-friendly); otherwise the
    stated age grown since it was said."""
    born = Q(**{f"{p}birth_date__isnull": False})
    stated = Q(**{f"{p}birth_date__isnull": True, f"{p}age_stated__isnull": False}) & Q(
        **{f"{p}age_stated_on__isnull": False}
    )

    def at_least(n: int) -> Q:  # age ≥ n for rows with a birth date
        return Q(**{f"{p}birth_date__lte": years_before(today, n)})

    def below(n: int) -> Q:
        return Q(**{f"{p}birth_date__gt": years_before(today, n)})

    intervals = {
        ">=": lambda v: at_least(v),
        ">": lambda v: at_least(v + 1),
        "<": lambda v: below(v),
        "<=": lambda v: below(v + 1),
        "=": lambda v: at_least(v) & below(v + 1),
        "!=": lambda v: below(v) | at_least(v + 1),
        "between": lambda v: at_least(v[0]) & below(v[1] + 1),
    }
    whole = [int(v) for v in value] if op == "between" else int(value)
    holds = (born & intervals[op](whole)) | (stated & _compare(STATED_AGE, op, value))
    return born | stated, holds


def _presence(code: str, op: str, p: str) -> Compiled:
    """«known» / «unknown»: the same NULL tests the leaves are gated by, used on their own."""
    if code == "age":
        known = Q(**{f"{p}birth_date__isnull": False}) | Q(
            **{f"{p}age_stated__isnull": False, f"{p}age_stated_on__isnull": False}
        )
    elif code in ("region", "household_size", "income_per_member") or code in SITUATION_FLAGS:
        known = Q(**{f"{p}{code}__isnull": False})
    else:  # a disability group is stored as a choice, "" = none: always known
        known = None
    if known is None:
        # Not Q(): an empty Q negated by a `not` above would still match every row.
        always, never = Q(**{f"{p}pk__isnull": False}), Q(**{f"{p}pk__in": []})
        return Compiled(always, never) if op == "known" else Compiled(never, always)
    return Compiled(known, ~known) if op == "known" else Compiled(~known, known)


def _leaf(node: dict, today: date, p: str) -> Compiled:
    fact = FACTS[node["fact"]]
    op, value = node["op"], node.get("value")
    if op in PRESENCE:
        return _presence(fact.code, op, p)
    if fact.code == "age":
        known, holds = _age(op, value, today, p)
    elif fact.kind == REGION:
        known = Q(**{f"{p}region__isnull": False})
        holds = Q(**{f"{p}region__code__in": value})
        holds = ~holds if op == "not_in" else holds
    elif fact.code == "disability_group":
        known = Q()
        holds = Q(**{f"{p}disability_group__in": value})
        holds = ~holds if op == "not_in" else holds
    elif fact.code == "has_disability":
        known = Q()
        holds = ~Q(**{f"{p}disability_group": ""}) if value else Q(**{f"{p}disability_group": ""})
    elif fact.kind == FLAG:
        # A situation not asked yet is unknown (NULL), as in the engine.
        known = Q(**{f"{p}{fact.code}__isnull": False})
        holds = Q(**{f"{p}{fact.code}": value})
    elif fact.kind == MONEY and isinstance(value, dict):
        minimum = f"{p}region__directory_facts__subsistence_minimum"
        known = Q(**{f"{p}income_per_member__isnull": False, f"{minimum}__isnull": False})
        ratio = Value(Decimal(str(value["subsistence_minimum"])), output_field=DecimalField())
        holds = _compare(f"{p}income_per_member", op, F(minimum) * ratio)
    else:
        known = Q(**{f"{p}{fact.code}__isnull": False})
        holds = _compare(f"{p}{fact.code}", op, value)
    return Compiled(known & holds, known & ~holds)
