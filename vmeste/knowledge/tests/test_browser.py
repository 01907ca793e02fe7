"""The call card's knowledge panel in a real browser: type, read, mark the answer."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, page  # noqa: F401 — shared fixtures

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_operator_finds_an_answer_while_the_caller_waits(corpus, make_user, login, live_server):  # noqa: F811
    from vmeste.knowledge.importing import import_folder

    import_folder(path=corpus)
    make_user("kb-operator", "operator")
    tab = login("kb-operator")
    tab.goto(f"{live_server.url}/assistance/call/")
    tab.select_option("#line", "moscow-volunteers")
    tab.get_by_role("tab", name="База знаний").click()  # the card's side column is tabs
    tab.fill("#kb-q", "как продлить бальничный")
    result = tab.locator("#kb-results .kb-hit-title").first
    expect(result).to_contain_text("Продление и закрытие больничного")
    expect(tab.locator("#kb-results mark").first).to_be_visible()
    result.click()
    expect(tab.locator("#kb-article h3")).to_have_text("Продление и закрытие больничного")
    tab.get_by_role("button", name="Ответ помог абоненту").click()
    expect(tab.locator("#kb-article .kb-used")).to_be_visible()
    chosen = tab.evaluate(
        "() => [...document.getElementById('callcard-form').elements]"
        ".filter(e => e.name === 'kb_articles').map(e => e.value)"
    )
    assert chosen == ["kb-002"]
