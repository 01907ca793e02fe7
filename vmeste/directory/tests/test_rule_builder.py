"""The rule builder's model without a page: form rows → tree → the engine's JSON → the
validator, the round trip of every demo rule, the buttons, errors placed on their node, and
the rule said in words."""

import pytest
from django.utils.datastructures import MultiValueDict

from vmeste.directory.demo_data import RULES
from vmeste.directory.eligibility.describe import describe
from vmeste.directory.eligibility.validate import validate
from vmeste.directory.rules import builder as b

AGE_60 = {"fact": "age", "op": ">=", "value": 60}
ALONE = {"fact": "lives_alone", "op": "is", "value": True}
REGIONS = frozenset({"RU-VGG", "RU-MOW", "RU-TA"})


def rows(*nodes: dict) -> MultiValueDict:
    """Form rows in document order; each dict is one node's fields without the `-<id>`."""
    data = MultiValueDict()
    for node in nodes:
        nid = node.pop("id")
        data.appendlist("node", str(nid))
        for key, value in node.items():
            for item in value if isinstance(value, list) else [value]:
                data.appendlist(f"{key}-{nid}", item)
    return data


def root(type_: str = "all") -> dict:
    return {"id": 0, "parent": "", "kind": "group", "type": type_}


def test_a_form_for_age_and_lives_alone_is_the_engines_json_and_valid():
    data = rows(
        root(),
        {"id": 1, "parent": "0", "kind": "cond", "fact": "age", "op": ">=", "value": "60"},
        {"id": 2, "parent": "0", "kind": "cond", "fact": "lives_alone", "flag": "yes"},
    )
    tree = b.to_tree(b.from_form(data)).tree
    assert tree == {"all": [AGE_60, ALONE]}
    assert validate(tree, rules={}, region_codes=REGIONS) == {}


def test_every_value_widget_becomes_its_json():
    data = rows(
        root("any"),
        {"id": 1, "parent": "0", "kind": "cond", "fact": "income_per_member", "op": "<=",
         "value": "1,5", "unit": "pm"},
        {"id": 2, "parent": "0", "kind": "cond", "fact": "income_per_member", "op": "<",
         "value": "20 000", "unit": "rub"},
        {"id": 3, "parent": "0", "kind": "cond", "fact": "region", "op": "not_in",
         "values": ["RU-VGG", "RU-TA"]},
        {"id": 4, "parent": "0", "kind": "cond", "fact": "disability_group", "op": "in",
         "values": ["1", "2"]},
        {"id": 5, "parent": "0", "kind": "cond", "fact": "household_size", "op": "between",
         "value": "2", "to": "5"},
        {"id": 6, "parent": "0", "kind": "cond", "fact": "veteran", "flag": "no"},
        {"id": 7, "parent": "0", "kind": "cond", "fact": "@rule", "rule": "age-60-plus"},
        {"id": 8, "parent": "0", "kind": "group", "type": "none"},
        {"id": 9, "parent": "8", "kind": "cond", "fact": "pregnant", "flag": "yes"},
    )  # fmt: skip
    tree = b.to_tree(b.from_form(data)).tree
    assert tree == {
        "any": [
            {"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 1.5}},
            {"fact": "income_per_member", "op": "<", "value": 20000},
            {"fact": "region", "op": "not_in", "value": ["RU-VGG", "RU-TA"]},
            {"fact": "disability_group", "op": "in", "value": ["1", "2"]},
            {"fact": "household_size", "op": "between", "value": [2, 5]},
            {"fact": "veteran", "op": "is", "value": False},
            {"rule": "age-60-plus"},
            {"not": {"fact": "pregnant", "op": "is", "value": True}},
        ]
    }
    rules = {"age-60-plus": AGE_60}
    assert validate(tree, rules=rules, region_codes=REGIONS) == {}


@pytest.mark.django_db
def test_every_demo_rule_and_measure_makes_the_round_trip_unchanged():
    from vmeste.directory.demo import measures_input

    trees = [condition for _name, condition in RULES.values()]
    trees += [data.eligibility for data in measures_input()]
    trees += [{}, {"not": {"any": [AGE_60, ALONE]}}, {"not": {"all": [AGE_60, ALONE]}}]
    assert len(trees) > 20
    for tree in trees:
        assert b.to_tree(b.from_tree(tree)).tree == tree


def test_a_new_fact_of_another_type_gets_its_own_operator():
    data = rows(
        root(),
        {"id": 1, "parent": "0", "kind": "cond", "fact": "region", "op": ">=", "value": "60"},
        {"id": 2, "parent": "0", "kind": "cond", "fact": "shoe_size", "op": "in"},
    )
    built = b.from_form(data)
    assert (built.children[0].op, built.children[1].fact, built.children[1].op) == (
        "in", "age", ">=")  # fmt: skip


def test_rows_without_a_known_parent_are_dropped_and_cycles_cannot_hang():
    data = rows(
        root(),
        {"id": 1, "parent": "0", "kind": "cond", "fact": "age", "op": ">=", "value": "60"},
        {"id": 2, "parent": "77", "kind": "cond", "fact": "veteran", "flag": "yes"},
        {"id": 3, "parent": "4", "kind": "group", "type": "any"},
        {"id": 4, "parent": "3", "kind": "group", "type": "any"},
        {"id": 5, "parent": "5", "kind": "group", "type": "any"},
    )
    assert b.to_tree(b.from_form(data)).tree == AGE_60
    assert b.to_tree(b.from_form(MultiValueDict())).tree == {}


def test_numbers_typed_the_russian_way():
    assert b.parse_number("60") == 60
    assert b.parse_number("1,5") == 1.5
    assert b.parse_number("20 000") == 20000
    assert b.parse_number("шестьдесят") == "шестьдесят"
    assert b.parse_number("inf") == "inf"
    tree = {"fact": "age", "op": ">=", "value": "шестьдесят"}
    errors = validate(tree, rules={}, region_codes=REGIONS)
    assert errors == {"eligibility.value": ["Ожидалось целое неотрицательное число."]}


def built() -> b.Node:
    return b.from_tree({"all": [AGE_60, ALONE, {"any": [{"rule": "x"}, AGE_60]}]})


def test_buttons_add_a_condition_and_a_group_and_say_what_to_focus():
    tree = built()  # ids: 0 root, 1 age, 2 alone, 3 any, 4 rule, 5 age
    assert b.apply(tree, "add:3") == "fact-6"
    assert tree.children[2].children[-1].fact == "age"
    assert b.apply(tree, "group:0") == "type-7"
    group = tree.children[-1]
    assert group.type == "any" and len(group.children) == 1
    assert b.apply(tree, "add:1") == "", "a condition has no children"
    assert b.apply(tree, "del:0") == "", "the root stays"
    assert b.apply(tree, "bogus") == ""


def test_buttons_move_up_down_out_and_remove():
    tree = built()
    assert b.apply(tree, "down:1") == "down-1"  # in the middle: ↓ keeps the focus
    assert [c.id for c in tree.children] == [2, 1, 3]
    assert b.apply(tree, "up:1") == "fact-1"  # at the top: no ↑ any more, focus its fact
    assert [c.id for c in tree.children] == [1, 2, 3]
    assert b.apply(tree, "down:1") == "down-1"
    assert b.apply(tree, "down:1") == "fact-1"
    assert [c.id for c in tree.children] == [2, 3, 1]
    assert b.apply(tree, "out:4") == "fact-4"
    assert [c.id for c in tree.children] == [2, 3, 4, 1]
    assert b.apply(tree, "out:2") == "fact-2", "already at the top level: stays"
    assert b.apply(tree, "del:3") == "add-0"
    assert b.to_tree(tree).tree == {"all": [ALONE, {"rule": "x"}, AGE_60]}


def test_errors_land_on_the_deepest_node_they_concern():
    tree = b.from_tree({"all": [AGE_60, {"any": [{"rule": "r"}, ALONE]}]})
    serialised = b.to_tree(tree)
    rules = {"r": {"fact": "shoe_size", "op": "=", "value": 1}}
    errors = validate(serialised.tree, rules=rules, region_codes=REGIONS)
    errors["eligibility.all[0].value"] = ["x"]
    errors["eligibility.all[1].any"] = ["y"]
    errors["name"] = ["z"]
    placed, rest = b.errors_by_node(errors, serialised.paths)
    assert placed[3] == ["Неизвестный признак «shoe_size»."], (
        "inside the named rule → its reference"
    )
    assert placed[1] == ["x"] and placed[2] == ["y"] and rest == {"name": ["z"]}


def test_the_single_condition_root_and_the_contradiction_on_the_root():
    serialised = b.to_tree(b.from_tree(AGE_60))
    assert serialised.tree == AGE_60 and serialised.paths == {0: "eligibility", 1: "eligibility"}
    contradictory = b.to_tree(
        b.from_tree({"all": [AGE_60, {"fact": "age", "op": "<", "value": 18}]})
    )
    errors = validate(contradictory.tree, rules={}, region_codes=REGIONS)
    placed, _rest = b.errors_by_node(errors, contradictory.paths)
    assert list(placed) == [0] and "противоречат" in placed[0][0]


def test_the_rule_in_words():
    names = {"RU-VGG": "Волгоградская область", "RU-TA": "Республика Татарстан"}
    either = [
        {"fact": "region", "op": "in", "value": ["RU-VGG"]},
        {"fact": "disability_group", "op": "in", "value": ["1"]},
    ]
    tree = {"all": [AGE_60, {"any": either}]}
    assert describe(tree, region_names=names) == (
        "возраст ≥ 60 и (регион — Волгоградская обл. или инвалидность I группы)"
    )
    assert describe({}) == "все обратившиеся (условий нет)"
    assert describe({"all": [AGE_60, ALONE]}) == "возраст ≥ 60 и живёт один"
    assert describe({"not": {"any": [ALONE, {"rule": "r"}]}}, rule_names={"r": "Правило Р"}) == (
        "не (живёт один или правило «Правило Р»)"
    )
    money = {"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 1.5}}
    assert describe(money) == "доход на члена семьи ≤ 1,5 × прожиточный минимум региона"
    assert describe({"fact": "household_size", "op": "between", "value": [2, 5]}) == (
        "человек в семье от 2 до 5"
    )
    assert describe({"fact": "veteran", "op": "is", "value": False}) == "не ветеран"
    assert describe({"fact": "region", "op": "not_in", "value": ["RU-TA"]}, region_names=names) == (
        "регион — не Республика Татарстан"
    )
    half_built = {"all": [{"fact": "age", "op": ">=", "value": "шестьдесят"}, {"any": []}]}
    assert describe(half_built) == "возраст ≥ … и …"


def test_known_and_unknown_take_no_value_and_read_in_words():
    data = rows(
        root("any"),
        {"id": 1, "parent": "0", "kind": "cond", "fact": "age", "op": "unknown", "value": "60"},
        {"id": 2, "parent": "0", "kind": "cond", "fact": "income_per_member", "op": "known"},
        {"id": 3, "parent": "0", "kind": "cond", "fact": "veteran", "op": "known"},
    )
    tree = b.to_tree(b.from_form(data)).tree
    assert tree == {
        "any": [
            {"fact": "age", "op": "unknown"},
            {"fact": "income_per_member", "op": "known"},
            {"fact": "veteran", "op": "known"},  # a situation may not have been asked
        ]
    }
    assert validate(tree, rules={}, region_codes=REGIONS) == {}
    assert b.to_tree(b.from_tree(tree)).tree == tree
    assert describe(tree) == (
        "возраст: неизвестно или доход на члена семьи: известно или ветеран: известно"
    )
    with_value = {"fact": "age", "op": "known", "value": 3}
    assert (
        "значение не указывают"
        in validate(with_value, rules={}, region_codes=REGIONS)["eligibility.value"][0]
    )
    clash = {"all": [{"fact": "age", "op": "unknown"}, AGE_60]}
    assert (
        "неизвестно, и известно"
        in validate(clash, rules={}, region_codes=REGIONS)["eligibility"][0]
    )
