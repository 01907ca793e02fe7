"""The facts a rule may test, the operators each kind of fact accepts, and how to say them.

A person profile is a plain dict keyed by fact code; a missing key or None means "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass


def gettext_noop(message: str) -> str:
    """Marks a label for translation and keeps it Russian: the engine compiles labels into
    reasons once per process for every operator (they stay Russian), while pages that show
    them to an editor translate them at display time with gettext(label). Our own no-op, so
    the engine stays free of Django; makemessages collects them by this name."""
    return message


NUMBER, REGION, CHOICE, FLAG, MONEY = "number", "region", "choice", "flag", "money"

# «known» / «unknown»: whether the profile has the fact at all (a measure for people whose
# income is not known yet, a question to ask first). Flags are stored as true/false, so
# they are always known and do not offer these.
PRESENCE = ("known", "unknown")
OPS: dict[str, tuple[str, ...]] = {
    NUMBER: ("=", "!=", "<", "<=", ">", ">=", "between", *PRESENCE),
    MONEY: ("<", "<=", ">", ">=", *PRESENCE),
    REGION: ("in", "not_in", *PRESENCE),
    CHOICE: ("in", "not_in", *PRESENCE),
    FLAG: ("is", *PRESENCE),  # a situation not asked yet is unknown
}
OP_TEXT = {
    "=": "=",
    "!=": "≠",
    "<": "<",
    "<=": "≤",
    ">": ">",
    ">=": "≥",
    "between": "от … до",
    "known": "известно",
    "unknown": "неизвестно",
}


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
    "lives_alone": gettext_noop("живёт один"),
    "self_isolation": gettext_noop("на самоизоляции"),
    "chronic_illness": gettext_noop("хроническое заболевание"),
    "seriously_ill_child": gettext_noop("тяжелобольной ребёнок в семье"),
    "orphanage_graduate": gettext_noop("выпускник детского дома"),
    "caregiver": gettext_noop("ухаживает за больным или инвалидом"),
    "large_family": gettext_noop("многодетная семья"),
    "low_income": gettext_noop("малоимущий"),
    "reduced_mobility": gettext_noop("маломобильный"),
    "veteran": gettext_noop("ветеран"),
    "pregnant": gettext_noop("беременность"),
    "unemployed": gettext_noop("безработный"),
}
DISABILITY_GROUPS = ("1", "2", "3", "child")
DISABILITY_TEXT = {
    "1": gettext_noop("I группа"),
    "2": gettext_noop("II группа"),
    "3": gettext_noop("III группа"),
    "child": gettext_noop("ребёнок-инвалид"),
}

FACTS: dict[str, Fact] = {
    f.code: f
    for f in (
        Fact("age", gettext_noop("возраст"), NUMBER, question="Сколько вам полных лет?"),
        Fact("region", gettext_noop("регион"), REGION, question="В каком регионе вы живёте?"),
        Fact(
            "disability_group",
            gettext_noop("группа инвалидности"),
            CHOICE,
            DISABILITY_GROUPS,
            question="Есть ли установленная инвалидность, какая группа?",
        ),
        Fact(
            "has_disability",
            gettext_noop("инвалидность"),
            FLAG,
            question="Есть ли установленная инвалидность?",
        ),
        Fact(
            "household_size",
            gettext_noop("человек в семье"),
            NUMBER,
            question="Сколько человек в семье?",
        ),
        Fact(
            "income_per_member",
            gettext_noop("доход на члена семьи"),
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
