"""Saving conditions: versions, conflicts, refusals that write nothing, the history kept
whichever door a change came through, and the check of a draft on a profile."""

import pytest

from vmeste.core.errors import Conflict, Forbidden, ValidationFailed
from vmeste.directory import services
from vmeste.directory.models import EligibilityChange, EligibilityRule, Measure
from vmeste.directory.rules import builder as rule_builder
from vmeste.directory.rules import services as rule_services

pytestmark = pytest.mark.django_db

AGE_60 = {"fact": "age", "op": ">=", "value": 60}
ALONE = {"fact": "lives_alone", "op": "is", "value": True}
RULE = {"all": [AGE_60, ALONE]}


@pytest.fixture
def measure(db):
    return Measure.objects.create(code="m", name="Мера (демо)", level="federal")


def test_conditions_are_saved_versioned_and_recorded(make_user, measure):
    admin = make_user("admin", "administrator")
    saved, changed = rule_services.save_measure_conditions(
        measure_id=measure.pk, tree=RULE, expected_version=1, actor=admin
    )
    assert changed and saved.version == 2 and saved.eligibility == RULE
    again, changed = rule_services.save_measure_conditions(
        measure_id=measure.pk, tree=RULE, expected_version=2, actor=admin
    )
    assert not changed and again.version == 2, "an unchanged save is not a new version"
    (change,) = EligibilityChange.objects.all()
    assert (change.subject, change.code, change.version, change.actor, change.channel) == (
        "measure", "m", 2, admin, "web"
    )  # fmt: skip
    assert (change.before, change.after) == ({}, RULE)


def test_a_stale_version_is_a_conflict_and_writes_nothing(make_user, measure):
    anna, boris = make_user("anna", "administrator"), make_user("boris", "supervisor")
    rule_services.save_measure_conditions(
        measure_id=measure.pk, tree=RULE, expected_version=1, actor=anna
    )
    with pytest.raises(Conflict) as refused:
        rule_services.save_measure_conditions(
            measure_id=measure.pk, tree=AGE_60, expected_version=1, actor=boris
        )
    assert "изменил(а) anna" in refused.value.message and "версия 2" in refused.value.message
    measure.refresh_from_db()
    assert measure.eligibility == RULE and measure.version == 2
    assert EligibilityChange.objects.count() == 1


def test_an_invalid_tree_is_refused_with_russian_errors(make_user, measure):
    admin = make_user("admin", "administrator")
    bad = {"all": [AGE_60, {"fact": "age", "op": "<", "value": 18}]}
    with pytest.raises(ValidationFailed) as refused:
        rule_services.save_measure_conditions(
            measure_id=measure.pk, tree=bad, expected_version=1, actor=admin
        )
    assert "противоречат" in refused.value.fields["eligibility"][0]
    measure.refresh_from_db()
    assert measure.eligibility == {} and not EligibilityChange.objects.exists()


def test_only_editors_of_reference_data_save(make_user, measure):
    with pytest.raises(Forbidden):
        rule_services.save_measure_conditions(
            measure_id=measure.pk, tree=RULE, expected_version=1, actor=make_user("op", "operator")
        )


def test_named_rules_have_versions_conflicts_and_history(make_user):
    anna, boris = make_user("anna", "administrator"), make_user("boris", "administrator")
    rule, changed = rule_services.save_named_rule(
        code="elderly", name="Пожилые", description="", tree=AGE_60, expected_version=0, actor=anna
    )
    assert changed and rule.version == 1
    with pytest.raises(ValidationFailed):
        rule_services.save_named_rule(
            code="elderly", name="x", description="", tree=AGE_60, expected_version=0, actor=boris
        )
    rule_services.save_named_rule(
        code="elderly", name="Пожилые", description="", tree=RULE, expected_version=1, actor=anna
    )
    with pytest.raises(Conflict):
        rule_services.save_named_rule(
            code="elderly", name="П", description="", tree=AGE_60, expected_version=1, actor=boris
        )
    rule.refresh_from_db()
    assert rule.condition == RULE and rule.version == 2
    history = list(EligibilityChange.objects.filter(subject="rule").order_by("version"))
    assert [(c.version, c.before, c.after) for c in history] == [
        (1, None, AGE_60),
        (2, AGE_60, RULE),
    ]


def test_a_rule_that_would_break_a_measure_using_it_is_refused(make_user, measure):
    admin = make_user("admin", "administrator")
    rule_services.save_named_rule(
        code="old", name="Пожилые", description="", tree=AGE_60, expected_version=0, actor=admin
    )
    measure.eligibility = {"all": [{"rule": "old"}, {"fact": "age", "op": "<", "value": 80}]}
    measure.save()
    with pytest.raises(ValidationFailed) as refused:
        rule_services.save_named_rule(
            code="old", name="Пожилые", description="", expected_version=1, actor=admin,
            tree={"fact": "age", "op": ">=", "value": 90},
        )  # fmt: skip
    assert "противоречивой" in refused.value.fields["condition"][0]
    assert EligibilityRule.objects.get(code="old").version == 1


def test_changes_through_the_api_and_the_demo_loader_are_recorded_too(make_user, measure):
    admin = make_user("admin", "administrator")
    data = services.MeasureInput(code="m", name="Мера (демо)", level="federal", eligibility=RULE)
    services.save_measure(data=data, actor=admin, measure_id=measure.pk)
    change = EligibilityChange.objects.get()
    assert (change.channel, change.actor, change.after) == ("api", admin, RULE)


def test_a_draft_is_checked_on_a_profile_node_by_node(make_user, region_facts):
    measure = Measure.objects.create(code="v", name="Волгоград (демо)", level="regional")
    measure.regions.set(region_facts.region.__class__.objects.filter(code="RU-VGG"))
    root = rule_builder.from_tree(RULE)
    profile = {"age": 70, "lives_alone": False, "region": "RU-VGG"}
    draft = rule_services.assess_draft(root, measure=measure, profile=profile, who="тест")
    assert draft.valid and draft.text == "возраст ≥ 60 и живёт один"
    assert draft.check.value is False and draft.check.marks == {0: False, 1: True, 2: False}
    assert draft.check.reasons == ["регион ✓", "возраст 70 ≥ 60 ✓", "живёт один ✗"]
    elsewhere = rule_services.assess_draft(
        root, measure=measure, profile={**profile, "region": "RU-TA", "lives_alone": True}
    )
    assert elsewhere.check.value is False, "the measure's own regions count"
    unknown = rule_services.assess_draft(root, measure=measure, profile={"age": 70})
    assert unknown.check.value is None and unknown.check.ask


def test_an_invalid_draft_is_not_checked(make_user, measure):
    root = rule_builder.from_tree({"fact": "age", "op": ">=", "value": "x"})
    draft = rule_services.assess_draft(root, measure=measure, profile={"age": 70})
    assert not draft.valid and draft.check is None and draft.node_errors
