"""The issue's «done when», in Debian's Chromium at 1366×768, from the data of a fresh
`make demo` (`vmeste loaddemo` into the live server's database, smaller month): the demo
supervisor (`demoinfo`'s login) makes a regional line from a template, staffs it, passes its
checklist, opens it, and a test call (a telephony event: no SIP edge here) rings one of its
agents, whose workplace pops the call. No console error, no failed request."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from vmeste.contactcenter.models import Call
from vmeste.demo import cast
from vmeste.launch import services
from vmeste.launch.tests.test_browser import (
    a_call_reaches,
    create_tver,
    passed,
    put_on_every_shift,
)
from vmeste.volunteers.tests import factories as f

FAST = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _watched(browser, url: str, cookies: list | None = None):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU")
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(30_000)  # a shared machine under load: slow, not wrong
    page.set_default_navigation_timeout(30_000)
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("requestfailed", lambda r: page.problems.append(f"failed {r.url}"))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"))
    return context, page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_from_the_demo_a_supervisor_launches_a_line_and_a_call_reaches_its_agent(
    live_server, browser, api_as, client, tmp_path
):
    with override_settings(PASSWORD_HASHERS=FAST):
        call_command(
            "loaddemo",
            *("--persons", "300", "--contacts", "1500", "--requests", "200"),
            stdout=StringIO(),
        )
        boss = next(u for u in cast.USERS if u.username == "supervisor")
        context, page = _watched(browser, live_server.url)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", boss.username)
        page.fill("#id_password", boss.password)
        with page.expect_navigation():
            page.click("button[type=submit]")
    create_tver(page)
    assert passed(page)["staffing"] == "0" and passed(page)["test_call"] == "0"
    assert page.get_by_role("button", name="Открыть линию").is_disabled()

    # Three volunteers of the new centre get the queues' skills in bulk on the line's page.
    volunteers = [f.volunteer(f.centre("tver", "RU-TVE")) for _ in range(3)]
    page.fill("#skills input[name=logins]", " ".join(v.user.username for v in volunteers))
    apply = page.get_by_role("button", name="Применить к отмеченным")
    for n, skill in enumerate(("food", "medicines", "psychology", "social")):
        if n:
            page.get_by_label("Отметить всех").check()
        page.fill("#skills input[name=skill]", skill)
        page.fill("#skills input[name=level]", "2")
        with page.expect_navigation():
            apply.click()
    # Its number, menu and the demo knowledge base's articles through the configuration upload.
    text = services.export_line(code="tver").replace("phones: []", "phones:\n  - '+74822771100'")
    text = text.replace("articles: []", "articles:\n- kb-010\n- kb-015")
    page.fill("textarea[name=configuration]", text.replace("menu: null", "menu: tver-ivr"))
    with page.expect_navigation():
        page.get_by_role("button", name="Загрузить").click()
    put_on_every_shift(volunteers)
    page.reload()
    assert passed(page)["numbers"] == "1" and passed(page)["staffing"] == "1"

    agent = volunteers[0].user
    a_call_reaches(api_as, agent.username)
    page.reload()
    assert {code for code, ok in passed(page).items() if ok != "1"} == set()
    with page.expect_navigation():
        page.get_by_role("button", name="Открыть линию").click()
    assert page.locator("h1 .badge").inner_text() == "открыта"
    page.screenshot(path=str(tmp_path / "launched.png"), full_page=True)

    # The agent's workplace pops the call that rings them.
    client.force_login(agent)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value}
    desk, workplace = _watched(browser, live_server.url, [{**cookie, "url": live_server.url}])
    workplace.goto(f"{live_server.url}/contactcenter/")
    link = workplace.locator("#cc-pop-link")
    from playwright.sync_api import expect

    expect(link).to_contain_text("+79001234567")
    workplace.screenshot(path=str(tmp_path / "agent.png"), full_page=True)
    assert Call.objects.get(call_id="test-1").agent.user == agent
    assert page.problems == [] and workplace.problems == []
    desk.close()
    context.close()
