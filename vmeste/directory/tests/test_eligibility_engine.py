"""The pure engine and rule checks: no database."""

from vmeste.directory.eligibility.engine import MeasureSpec, assess, compile_measure, evaluate
from vmeste.directory.eligibility.ranking import ServiceSpec, rank_services
from vmeste.directory.eligibility.validate import validate

REGIONS = {"RU-VGG", "RU-TA", "RU-SA", "RU-MOW"}

ELDERLY_LOW_INCOME = {
    "all": [
        {"fact": "age", "op": ">=", "value": 60},
        {"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 1.5}},
    ]
}


def measure(condition, regions=(), mid=1, name="Мера"):
    return compile_measure(MeasureSpec(mid, name, condition, frozenset(regions)), {})


def test_reasons_per_condition_with_unknown_income():
    verdict = evaluate(measure(ELDERLY_LOW_INCOME, ["RU-VGG"]), {"age": 67, "region": "RU-VGG"})
    assert verdict.value is None
    assert verdict.reasons == ["регион ✓", "возраст 67 ≥ 60 ✓", "доход на члена семьи — неизвестно"]
    assert verdict.ask == ["income_per_member"]
    assert verdict.questions == ["Какой доход семьи в месяц на одного человека?"]


def test_income_against_the_regional_subsistence_minimum():
    m = measure(ELDERLY_LOW_INCOME)
    poor = {"age": 70, "income_per_member": 14000, "subsistence_minimum": 15000}
    rich = {**poor, "income_per_member": 40000}
    assert evaluate(m, poor).value is True
    verdict = evaluate(m, rich)
    assert verdict.value is False
    assert verdict.reasons[-1] == "доход на члена семьи 40 000 ₽ ≤ 1,5 × ПМ (22 500 ₽) ✗"


def test_three_valued_logic_and_only_deciding_facts_are_asked():
    any_of = {
        "any": [
            {"fact": "veteran", "op": "is", "value": True},
            {"fact": "age", "op": ">=", "value": 80},
        ]
    }
    assert evaluate(measure(any_of), {"veteran": True}).value is True  # age unknown, irrelevant
    maybe = evaluate(measure(any_of), {"veteran": False})
    assert maybe.value is None and maybe.ask == ["age"]
    # A false conjunct decides: nothing to ask.
    both = {
        "all": [
            {"fact": "veteran", "op": "is", "value": True},
            {"fact": "age", "op": ">=", "value": 80},
        ]
    }
    verdict = evaluate(measure(both), {"veteran": False})
    assert verdict.value is False and verdict.ask == []
    negated = {"not": {"fact": "household_size", "op": ">", "value": 2}}
    assert evaluate(measure(negated), {"household_size": 1}).value is True
    assert evaluate(measure(negated), {}).value is None


def test_assess_sorts_measures_into_three_lists():
    measures = [
        measure({}, ["RU-VGG"], 1, "Региональная"),
        measure({}, ["RU-TA"], 2, "Чужой регион"),
        measure(ELDERLY_LOW_INCOME, [], 3, "Пенсионерам"),
    ]
    result = assess(measures, {"region": "RU-VGG", "age": 61})
    assert [v.id for v in result.eligible] == [1]
    assert [v.id for v in result.ineligible] == [2]
    assert [v.id for v in result.maybe] == [3]
    assert result.ask == ["income_per_member"]


def test_named_rules_are_inlined_and_cycles_refused():
    rules = {"pensioner": {"fact": "age", "op": ">=", "value": 60}}
    m = compile_measure(MeasureSpec(1, "x", {"rule": "pensioner"}), rules)
    assert evaluate(m, {"age": 65}).value is True
    cyclic = {"a": {"rule": "b"}, "b": {"all": [{"rule": "a"}]}}
    errors = validate({"rule": "a"}, rules=cyclic, region_codes=REGIONS)
    assert any("Цикл" in message for messages in errors.values() for message in messages)
    self_ref = validate({"rule": "x"}, rules={"x": {}}, region_codes=REGIONS, own_code="x")
    assert "Цикл" in next(iter(self_ref.values()))[0]


def test_malformed_unknown_and_contradictory_rules_are_refused():
    def messages(tree):
        return validate(tree, rules={}, region_codes=REGIONS)

    assert messages(ELDERLY_LOW_INCOME) == {}
    assert "eligibility.fact" in messages({"fact": "shoe_size", "op": ">", "value": 1})
    assert "eligibility.op" in messages({"fact": "veteran", "op": ">", "value": 1})
    assert "eligibility.value" in messages({"fact": "region", "op": "in", "value": ["RU-XXX"]})
    assert "eligibility.all" in messages({"all": []})
    assert "eligibility" in messages({"maybe": []})
    contradiction = messages(
        {"all": [{"fact": "age", "op": ">=", "value": 60}, {"fact": "age", "op": "<", "value": 18}]}
    )
    assert "противоречат" in contradiction["eligibility"][0]
    assert "eligibility" in messages(
        {
            "all": [
                {"fact": "veteran", "op": "is", "value": True},
                {"fact": "veteran", "op": "is", "value": False},
            ]
        }
    )
    assert "eligibility" in messages(
        {
            "all": [
                {"fact": "region", "op": "in", "value": ["RU-VGG"]},
                {"fact": "region", "op": "in", "value": ["RU-TA"]},
            ]
        }
    )
    # Disjunctions are not contradictions.
    assert (
        messages(
            {
                "any": [
                    {"fact": "age", "op": ">=", "value": 60},
                    {"fact": "age", "op": "<", "value": 18},
                ]
            }
        )
        == {}
    )


def test_services_are_ranked_by_need_and_region():
    services = [
        ServiceSpec("a", "Федеральный фонд", "Фонд", frozenset({"groceries"})),
        ServiceSpec(
            "b", "Местные продукты", "НКО", frozenset({"groceries-delivery"}), frozenset({"RU-VGG"})
        ),
        ServiceSpec("c", "Чужой регион", "НКО", frozenset({"groceries"}), frozenset({"RU-TA"})),
        ServiceSpec("d", "Детям", "Фонд", frozenset({"groceries"}), minimum_age=0, maximum_age=17),
        ServiceSpec("e", "Юристы", "Фонд", frozenset({"legal"})),
    ]
    ranked = rank_services(
        services,
        region="RU-VGG",
        needs=[("groceries", "groceries-delivery")],
        age=70,
        need_names={},
    )
    assert [r.service.id for r in ranked] == ["b", "a"]
    assert "работает в регионе" in ranked[0].reasons


def test_known_and_unknown_are_never_unknown_themselves():
    low = {"fact": "income_per_member", "op": "<", "value": 10000}
    ask_first = measure({"any": [{"fact": "income_per_member", "op": "unknown"}, low]})
    not_said = evaluate(ask_first, {"age": 70})
    assert not_said.value is True and not_said.reasons == ["доход на члена семьи: неизвестно ✓"]
    said = evaluate(ask_first, {"income_per_member": 20000})
    assert said.value is False and said.ask == []
    known = evaluate(measure({"fact": "region", "op": "known"}), {"region": "RU-VGG"})
    assert known.value is True and known.reasons == ["регион: известно ✓"]


def test_every_kind_of_condition_says_its_reason_and_what_to_ask():
    """A flag expected false, a choice not among the listed, a range, a fixed sum, a sum
    against an unknown subsistence minimum, a presence check: each one's reason and ask."""
    cases = [
        ({"fact": "has_disability", "op": "is", "value": False}, {"has_disability": False},
         True, "не инвалидность ✓"),
        ({"fact": "has_disability", "op": "is", "value": False}, {}, None,
         "не инвалидность — неизвестно"),
        ({"fact": "disability_group", "op": "not_in", "value": ["1"]}, {"disability_group": "2"},
         True, "группа инвалидности: II группа ✓"),
        ({"fact": "region", "op": "in", "value": ["RU-TA"]}, {"region": "RU-VGG"}, False,
         "регион ✗"),
        ({"fact": "age", "op": "between", "value": [18, 35]}, {"age": 40}, False,
         "возраст 40 от 18 до 35 ✗"),
        ({"fact": "income_per_member", "op": "<", "value": 20000},
         {"income_per_member": 15000}, True, "доход на члена семьи 15 000 ₽ < 20 000 ₽ ✓"),
        ({"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 2}},
         {"income_per_member": 15000}, None,
         "доход на члена семьи: прожиточный минимум региона неизвестен"),
        ({"fact": "income_per_member", "op": "known"}, {}, False,
         "доход на члена семьи: неизвестно ✗"),
    ]  # fmt: skip
    for condition, profile, value, reason in cases:
        verdict = evaluate(measure({"all": [condition]}), profile)
        assert (verdict.value, verdict.reasons) == (value, [reason]), condition
        asked = [] if value is not None or condition["fact"] in profile else [condition["fact"]]
        assert verdict.ask == asked, condition


def test_each_kind_of_value_is_checked_with_its_own_message():
    def value_error(condition) -> list[str]:
        return validate(condition, rules={}, region_codes=REGIONS).get("eligibility.value", [])

    cases = [
        ({"fact": "age", "op": "known", "value": 3}, "значение не указывают"),
        ({"fact": "veteran", "op": "is", "value": "да"}, "«да» или «нет»"),
        ({"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 0}},
         "Множитель прожиточного минимума"),
        ({"fact": "income_per_member", "op": "<=", "value": -5}, "неотрицательная сумма"),
        ({"fact": "age", "op": "between", "value": [18.5, 30]}, "«от» и «до»"),
        ({"fact": "age", "op": "between", "value": [40, 30]}, "«От» (40) больше «до» (30)"),
        ({"fact": "disability_group", "op": "in", "value": []}, "хотя бы одно"),
        ({"fact": "disability_group", "op": "in", "value": ["7"]}, "Неизвестные значения: 7"),
        ({"fact": "household_size", "op": ">=", "value": 2.5}, "целое неотрицательное"),
    ]  # fmt: skip
    for condition, words in cases:
        assert any(words in m for m in value_error(condition)), condition
    for fine in (
        {"fact": "age", "op": "between", "value": [18, 30]},
        {"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 1.5}},
        {"fact": "region", "op": "not_in", "value": ["RU-TA"]},
        {"fact": "veteran", "op": "is", "value": False},
    ):
        assert value_error(fine) == [], fine
