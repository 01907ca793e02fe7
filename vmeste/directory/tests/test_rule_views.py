"""The rule builder pages: rights, saving, refusing an invalid rule with its error next to the
condition, conflicts, the builder's buttons and the check on a person."""

import re

import pytest

from vmeste.accounts.models import AuditEntry
from vmeste.directory.models import EligibilityChange, EligibilityRule, Measure

from .conftest import years_ago

pytestmark = pytest.mark.django_db

AGE_60 = {"fact": "age", "op": ">=", "value": 60}
ALONE = {"fact": "lives_alone", "op": "is", "value": True}


@pytest.fixture
def measure(db):
    return Measure.objects.create(code="m", name="Помощь пожилым (демо)", level="federal")


def form(**fields) -> dict:
    """A builder form: root group 0 «all»; `fact_1="age"` stands for the field `fact-1`."""
    data: dict = {"node": ["0"], "parent-0": "", "kind-0": "group", "type-0": "all"}
    for key, value in fields.items():
        data[key.replace("_", "-", 1)] = value
    return data


def age_and_alone(version: int = 1, **extra) -> dict:
    """«возраст ≥ 60 и живёт один» as the page posts it."""
    data = form(**extra)
    data["node"] = ["0", "1", "2"]
    for nid in ("1", "2"):
        data[f"parent-{nid}"] = "0"
        data[f"kind-{nid}"] = "cond"
    data.update({"fact-1": "age", "op-1": ">=", "value-1": "60"})
    data.update({"fact-2": "lives_alone", "flag-2": "yes", "version": str(version)})
    return data


def test_an_operator_cannot_open_or_save_rules(client, make_user, measure):
    client.force_login(make_user("op", "operator"))
    assert client.get("/directory/rules/").status_code == 403
    assert client.get(f"/directory/rules/measures/{measure.pk}").status_code == 403
    saved = client.post(
        f"/directory/rules/measures/{measure.pk}", {**age_and_alone(), "action": "save"}
    )
    assert saved.status_code == 403
    measure.refresh_from_db()
    assert measure.eligibility == {} and measure.version == 1
    assert client.get("/directory/rules/named/new").status_code == 403


def test_unknown_measure_or_rule_is_not_found(client, make_user):
    client.force_login(make_user("admin", "administrator"))
    assert client.get("/directory/rules/measures/999999").status_code == 404
    assert client.get("/directory/rules/named/no-such-rule").status_code == 404


def test_admin_sees_the_list_and_the_rule_in_words(client, make_user, measure):
    measure.eligibility = {"all": [AGE_60, ALONE]}
    measure.save()
    client.force_login(make_user("admin", "administrator"))
    listing = client.get("/directory/rules/").content.decode()
    assert "Помощь пожилым (демо)" in listing and "возраст ≥ 60 и живёт один" in listing
    page = client.get(f"/directory/rules/measures/{measure.pk}").content.decode()
    assert 'id="rule-preview"' in page and "возраст ≥ 60 и живёт один" in page
    assert 'name="fact-1"' in page and 'value="60"' in page
    assert "&quot;fact&quot;: &quot;lives_alone&quot;" in page and "true" in page, "JSON, as stored"


def test_admin_saves_and_the_change_is_versioned(client, make_user, measure):
    admin = make_user("admin", "administrator")
    client.force_login(admin)
    data = age_and_alone()
    data["action"] = "save"
    response = client.post(f"/directory/rules/measures/{measure.pk}", data)
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.eligibility == {"all": [AGE_60, ALONE]} and measure.version == 2
    change = EligibilityChange.objects.get(subject="measure", object_id=measure.pk)
    assert (change.actor, change.before, change.after, change.version) == (
        admin,
        {},
        measure.eligibility,
        2,
    )
    page = client.get(f"/directory/rules/measures/{measure.pk}").content.decode()
    assert "История изменений" in page and "Сохранено: версия 2." in page


def test_an_invalid_rule_is_not_saved_and_its_error_is_next_to_the_condition(
    client, make_user, measure
):
    client.force_login(make_user("admin", "administrator"))
    data = age_and_alone()
    data.update({"value-1": "шестьдесят", "action": "save"})
    response = client.post(f"/directory/rules/measures/{measure.pk}", data)
    assert response.status_code == 422
    page = response.content.decode()
    error = re.search(r'<p class="field-error" id="err-1" role="alert">(.*?)</p>', page, re.S)
    assert error and "Ожидалось целое неотрицательное число" in error.group(1)
    assert page.count("Ожидалось целое неотрицательное число") == 1, "next to it, not again on top"
    measure.refresh_from_db()
    assert measure.eligibility == {} and measure.version == 1
    assert not EligibilityChange.objects.exists()

    contradictory = age_and_alone()
    contradictory.update({"fact-2": "age", "op-2": "<", "value-2": "18", "action": "save"})
    refused = client.post(f"/directory/rules/measures/{measure.pk}", contradictory)
    assert refused.status_code == 422
    assert re.search(r'id="err-0" role="alert">.*противоречат', refused.content.decode(), re.S)
    measure.refresh_from_db()
    assert measure.eligibility == {}


def test_two_admins_the_second_save_is_a_conflict(client, make_user, measure):
    first, second = make_user("anna", "administrator"), make_user("boris", "supervisor")
    client.force_login(first)
    mine = age_and_alone(version=1)
    mine["action"] = "save"
    assert client.post(f"/directory/rules/measures/{measure.pk}", mine).status_code == 302
    client.force_login(second)
    theirs = age_and_alone(version=1)
    theirs.update({"value-1": "65", "action": "save"})
    response = client.post(f"/directory/rules/measures/{measure.pk}", theirs)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Пока вы редактировали, условия изменил(а) anna" in page
    assert "Ваши изменения не сохранены" in page
    measure.refresh_from_db()
    assert measure.eligibility["all"][0]["value"] == 60 and measure.version == 2


def test_htmx_buttons_add_move_and_remove_and_keep_the_focus(client, make_user, measure):
    client.force_login(make_user("admin", "administrator"))
    url = f"/directory/rules/measures/{measure.pk}"
    data = age_and_alone()
    data["action"] = "add:0"
    added = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in added, "htmx gets the editor only"
    assert re.search(r'<select id="fact-3" name="fact-3"[^>]*autofocus', added)
    data = age_and_alone()
    data["action"] = "down:1"
    moved = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert moved.index('id="node-2"') < moved.index('id="node-1"')
    assert "живёт один и возраст ≥ 60" in moved
    assert re.search(r'id="fact-1"[^>]*autofocus', moved), "at the bottom: focus its fact"
    data = age_and_alone()
    data["action"] = "group:0"
    grouped = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r'id="type-3"[^>]*autofocus', grouped) and 'name="fact-4"' in grouped
    data = age_and_alone()
    data["action"] = "del:2"
    removed = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="node-2"' not in removed and "возраст ≥ 60" in removed
    measure.refresh_from_db()
    assert measure.eligibility == {}, "buttons never save"


def test_check_on_a_person_in_scope_shows_the_verdict_per_condition(
    client, make_user, make_person, measure
):
    person = make_person(birth_date=years_ago(70), lives_alone=False)
    client.force_login(make_user("vgg-admin", "administrator", regions=["RU-VGG"]))
    url = f"/directory/rules/measures/{measure.pk}"
    page = client.post(url, age_and_alone(**{"chk_person": str(person.pk)})).content.decode()
    assert "Не подходит" in page and "живёт один ✗" in page
    assert re.search(r'id="node-1".*?class="mark mark-yes"', page, re.S)
    assert AuditEntry.objects.filter(object_id=str(person.pk), action="view").exists()
    typed = client.post(url, age_and_alone(chk_age="72", **{"chk_lives_alone": "да"}))
    assert "Подходит" in typed.content.decode()
    unknown = client.post(url, age_and_alone(chk_age="72")).content.decode()
    assert "Возможно: не хватает сведений" in unknown

    other = make_person(region="RU-TA", birth_date=years_ago(70))
    hidden = client.post(url, age_and_alone(**{"chk_person": str(other.pk)})).content.decode()
    assert "не найден в вашей зоне" in hidden
    assert (
        "Укажите номер человека"
        in client.post(url, age_and_alone(chk_person="абв")).content.decode()
    )


def test_check_on_a_person_found_by_phone(client, make_user, make_person, measure):
    from vmeste.people.models import PersonPhone

    person = make_person(birth_date=years_ago(70), lives_alone=True)
    PersonPhone.objects.create(person=person, e164="+79001234567")
    client.force_login(make_user("admin", "administrator"))
    url = f"/directory/rules/measures/{measure.pk}"
    page = client.post(url, age_and_alone(chk_person="8 900 123-45-67")).content.decode()
    assert "Подходит" in page and f"человек № {person.pk}" in page
    assert AuditEntry.objects.filter(action="lookup").exists()
    nobody = client.post(url, age_and_alone(chk_person="+7 900 000 00 00")).content.decode()
    assert "не найден в вашей зоне" in nobody


def test_a_named_rule_is_created_edited_and_refuses_a_cycle(client, make_user):
    client.force_login(make_user("admin", "administrator"))
    data = age_and_alone(version=0)
    data.update({"code": "elderly-alone", "name": "Пожилой и один", "action": "save"})
    created = client.post("/directory/rules/named/new", data)
    assert (
        created.status_code == 302 and created["Location"] == "/directory/rules/named/elderly-alone"
    )
    rule = EligibilityRule.objects.get(code="elderly-alone")
    assert rule.condition == {"all": [AGE_60, ALONE]} and rule.version == 1
    again = client.post("/directory/rules/named/new", data)
    assert again.status_code == 422 and "уже есть" in again.content.decode()

    cycle = form(parent_1="0", kind_1="cond", fact_1="@rule")
    cycle["node"] = ["0", "1"]
    cycle.update({"rule-1": "elderly-alone", "version": "1", "name": "x", "action": "save"})
    refused = client.post("/directory/rules/named/elderly-alone", cycle)
    assert refused.status_code == 422 and "Цикл" in refused.content.decode()
    rule.refresh_from_db()
    assert rule.version == 1


def test_the_curation_pages_keep_versions_and_history_too(client, make_user, measure):
    client.force_login(make_user("admin", "administrator"))
    url = f"/admin/directory/measure/{measure.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="seen_version"' in page and 'value="1"' in page
    data = {"code": "m", "name": "Помощь пожилым (демо)", "level": "federal",
            "eligibility": '{"fact": "age", "op": ">=", "value": 60}',
            "required_documents": "[]", "apply_channels": "[]", "is_active": "on"}  # fmt: skip
    assert client.post(url, {**data, "seen_version": "1"}).status_code == 302
    measure.refresh_from_db()
    assert measure.version == 2 and measure.eligibility == AGE_60
    change = EligibilityChange.objects.get()
    assert (change.channel, change.before, change.after) == ("admin", {}, AGE_60)
    stale = client.post(url, {**data, "eligibility": "{}", "seen_version": "1"})
    assert stale.status_code == 200 and "Пока вы редактировали" in stale.content.decode()
    measure.refresh_from_db()
    assert measure.eligibility == AGE_60 and EligibilityChange.objects.count() == 1
    assert client.get("/admin/directory/eligibilitychange/").status_code == 200


def test_the_navigator_links_to_the_rules_for_editors_only(client, make_user):
    client.force_login(make_user("admin", "administrator"))
    assert 'href="/directory/rules/"' in client.get("/directory/").content.decode()
    client.force_login(make_user("op", "operator"))
    assert 'href="/directory/rules/"' not in client.get("/directory/").content.decode()


def test_the_builder_speaks_english_to_an_english_reader(client, make_user, measure):
    from django.conf import settings

    measure.eligibility = {"all": [AGE_60, ALONE]}
    measure.save()
    client.force_login(make_user("admin", "administrator"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/directory/rules/measures/{measure.pk}").content.decode()
    assert "The rule in words" in page and "age ≥ 60 and" in page
    data = age_and_alone()
    data["value-1"] = "x"
    refused = client.post(f"/directory/rules/measures/{measure.pk}", data).content.decode()
    assert "Expected a whole non-negative number." in refused


def test_pages_cost_the_same_queries_for_one_measure_or_many(client, make_user, measure):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("admin", "administrator"))
    measure.eligibility = {"all": [AGE_60, {"rule": "r0"}]}
    measure.save()
    EligibilityRule.objects.create(code="r0", name="Правило 0", condition=ALONE)

    def cost(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    page = f"/directory/rules/measures/{measure.pk}"
    few = (cost("/directory/rules/"), cost(page))
    for i in range(1, 6):
        EligibilityRule.objects.create(code=f"r{i}", name=f"Правило {i}", condition=AGE_60)
        Measure.objects.create(code=f"m{i}", name=f"Мера {i}", level="federal",
                               eligibility={"any": [AGE_60, {"rule": f"r{i}"}]})  # fmt: skip
    client.post(page, {**age_and_alone(), "action": "save"})
    client.post(page, {**age_and_alone(version=2), "value-1": "65", "action": "save"})
    assert (cost("/directory/rules/"), cost(page)) == few


def test_known_or_unknown_shows_no_value_field(client, make_user, measure):
    client.force_login(make_user("admin", "administrator"))
    data = age_and_alone()
    data["op-1"] = "unknown"
    page = client.post(f"/directory/rules/measures/{measure.pk}", data).content.decode()
    assert 'name="value-1"' not in page and '<option value="unknown" selected>' in page
    assert "возраст: неизвестно и живёт один" in page


def test_a_new_rule_saved_through_htmx_goes_to_its_own_page(client, make_user):
    client.force_login(make_user("admin", "administrator"))
    data = age_and_alone(version=0)
    data.update({"code": "elderly", "name": "Пожилые", "action": "save"})
    response = client.post("/directory/rules/named/new", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/directory/rules/named/elderly"
    page = client.get("/directory/rules/named/elderly").content.decode()
    assert "Сохранено: версия 1." in page and "возраст ≥ 60 и живёт один" in page
    bad = {**data, "code": "Не код"}
    refused = client.post("/directory/rules/named/new", bad, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200 and "Код: латиница" in refused.content.decode()
    assert not EligibilityRule.objects.filter(name="Не код").exists()
