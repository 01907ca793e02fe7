"""The facts a rule may test, the operators each kind of fact accepts, and how to say them.

A person profile is a plain dict keyed by fact code; a missing key or None means "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass

NUMBER, REGION, CHOICE, FLAG, MONEY = "number", "region", "choice", "flag", "money"

OPS: dict[str, tuple[str, ...]] = {
    NUMBER: ("=", "!=", "<", "<=", ">", ">=", "between"),
    MONEY: ("<", "<=", ">", ">="),
    REGION: ("in", "not_in"),
    CHOICE: ("in", "not_in"),
    FLAG: ("is",),
}
OP_TEXT = {"=": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "between": "от … до"}


@dataclass(frozen=True)
class Fact:
    code: str
    label: str
    kind: str
    choices: tuple[str, ...] = ()
    question: str = ""


# The same codes as the Person's fields (vmeste.people.models), so that the SQL compiler and
# the profile builder need no translation table.
SITUATION_FLAGS: dict[str, str] = {
    "lives_alone": "живёт один",
    "self_isolation": "на самоизоляции",
    "chronic_illness": "хроническое заболевание",
    "seriously_ill_child": "тяжелобольной ребёнок в семье",
    "orphanage_graduate": "выпускник детского дома",
    "caregiver": "ухаживает за больным или инвалидом",
    "large_family": "многодетная семья",
    "low_income": "малоимущий",
    "reduced_mobility": "маломобильный",
    "veteran": "ветеран",
    "pregnant": "беременность",
    "unemployed": "безработный",
}
DISABILITY_GROUPS = ("1", "2", "3", "child")
DISABILITY_TEXT = {"1": "I группа", "2": "II группа", "3": "III группа", "child": "ребёнок-инвалид"}

FACTS: dict[str, Fact] = {
    f.code: f
    for f in (
        Fact("age", "возраст", NUMBER, question="Сколько вам полных лет?"),
        Fact("region", "регион", REGION, question="В каком регионе вы живёте?"),
        Fact(
            "disability_group",
            "группа инвалидности",
            CHOICE,
            DISABILITY_GROUPS,
            question="Есть ли установленная инвалидность, какая группа?",
        ),
        Fact(
            "has_disability",
            "инвалидность",
            FLAG,
            question="Есть ли установленная инвалидность?",
        ),
        Fact("household_size", "человек в семье", NUMBER, question="Сколько человек в семье?"),
        Fact(
            "income_per_member",
            "доход на члена семьи",
            MONEY,
            question="Какой доход семьи в месяц на одного человека?",
        ),
        *(
            Fact(code, label, FLAG, question=f"Уточните: {label}?")
            for code, label in SITUATION_FLAGS.items()
        ),
    )
}


def money(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") + " ₽"


def number(value: float) -> str:
    if type(value) is int:
        return str(value)
    return f"{value:g}".replace(".", ",")


def value_text(fact: Fact, value) -> str:
    """How a rule's value reads in a reason: «≤ 1,5 × ПМ», «≥ 60», «I группа, II группа»."""
    if fact.kind == MONEY and isinstance(value, dict):
        return f"{number(value['subsistence_minimum'])} × ПМ"
    if fact.kind == MONEY:
        return money(value)
    if fact.kind == CHOICE:
        return ", ".join(DISABILITY_TEXT.get(v, str(v)) for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return number(value) if isinstance(value, int | float) else str(value)
