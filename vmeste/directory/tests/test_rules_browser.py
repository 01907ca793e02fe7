"""The rule builder in a real browser (Debian's Chromium): an administrator builds «возраст ≥ 60
и живёт один» with the keyboard and a few clicks, sees it said in words, checks it on a
person and saves it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, page  # noqa: F401 — shared fixtures

from .conftest import years_ago

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_builds_checks_and_saves_a_rule(make_user, make_person, login, live_server):  # noqa: F811
    from vmeste.directory.models import EligibilityChange, Measure

    measure = Measure.objects.create(
        code="m", name="Помощь одиноким пожилым (демо)", level="federal"
    )
    person = make_person(birth_date=years_ago(72), lives_alone=True)
    make_user("rules-admin", "administrator")
    tab = login("rules-admin")
    tab.goto(f"{live_server.url}/directory/rules/")
    tab.get_by_role("link", name="Помощь одиноким пожилым (демо)").click()
    expect(tab.locator("#rule-preview")).to_have_text("все обратившиеся (условий нет)")

    # First condition: by keyboard only.
    tab.locator("#add-0").focus()
    tab.keyboard.press("Enter")
    expect(tab.locator("#fact-1")).to_be_focused()
    expect(tab.locator("#fact-1")).to_have_value("age")
    tab.keyboard.press("Tab")
    expect(tab.locator("#op-1")).to_be_focused()
    tab.keyboard.press("Tab")
    tab.keyboard.type("60")
    tab.keyboard.press("Tab")
    expect(tab.locator("#rule-preview")).to_have_text("возраст ≥ 60")

    # Second condition: a click, then the fact chosen from the list.
    tab.get_by_role("button", name="+ условие").click()
    expect(tab.locator("#fact-2")).to_be_focused()
    tab.locator("#fact-2").select_option(label="живёт один")
    expect(tab.locator("#flag-2")).to_have_value("yes")
    expect(tab.locator("#rule-preview")).to_have_text("возраст ≥ 60 и живёт один")

    # The engine's verdict for a person, condition by condition.
    # Typed once the page has its last answer. Typed at once, the verdict never came in 1 run
    # of 3 (on older code too; why is not proven: an answer landing after the typing would
    # replace the form and lose the number).
    tab.wait_for_load_state("networkidle")
    tab.fill("#chk-person", str(person.pk))
    tab.keyboard.press("Tab")
    expect(tab.locator("#rule-verdict")).to_contain_text("Подходит")
    expect(tab.locator("#rule-verdict")).to_contain_text("живёт один ✓")
    expect(tab.locator("#node-1 .mark")).to_have_text("✓")

    tab.locator("#value-1").focus()
    tab.keyboard.press("Control+Enter")  # saves, as everywhere in the workplace
    expect(tab.locator(".flash-success")).to_have_text("Сохранено: версия 2.")
    measure.refresh_from_db()
    assert measure.eligibility == {
        "all": [
            {"fact": "age", "op": ">=", "value": 60},
            {"fact": "lives_alone", "op": "is", "value": True},
        ]
    }
    assert EligibilityChange.objects.get().after == measure.eligibility

    # A mistake is shown next to its condition and nothing is saved.
    tab.fill("#value-1", "сто")
    tab.keyboard.press("Tab")
    expect(tab.locator("#err-1")).to_contain_text("Ожидалось целое неотрицательное число")
    tab.get_by_role("button", name="Сохранить", exact=True).click()
    expect(tab.locator("#err-1")).to_be_visible()
    measure.refresh_from_db()
    assert measure.version == 2
