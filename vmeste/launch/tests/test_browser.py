"""In Debian's Chromium: a supervisor makes a regional line from a template, staffs it,
passes its checklist once a telephony event has reached one of its agents, and opens it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.contactcenter import ivr
from vmeste.contactcenter.models import Queue
from vmeste.core.models import Line
from vmeste.demo import voicemenu
from vmeste.knowledge.services import ArticleData, save_article
from vmeste.launch import services
from vmeste.volunteers import shifts
from vmeste.volunteers.models import Assignment, Shift
from vmeste.volunteers.tests import factories as f

EVENTS = "/api/v1/telephony/events"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(30_000)  # a shared machine under load: slow, not wrong
    page.set_default_navigation_timeout(30_000)
    yield page
    context.close()


def put_on_every_shift(volunteers) -> None:
    """The shift calendar of the coming days, everyone on every shift (the calendar's own
    pages are tested in `volunteers`); the line is 24/7, so any hour the test runs at is
    inside what is laid."""
    centre, today = volunteers[0].centre, timezone.localdate()
    shifts.generate(
        centre=centre,
        first=today - timedelta(days=1),
        last=today + timedelta(days=9),
        actor=f.user(),
    )
    Assignment.objects.bulk_create(
        Assignment(shift=s, volunteer=v, role="operator")
        for s in Shift.objects.filter(centre=centre)
        for v in volunteers
    )


def a_call_reaches(api_as, agent: str) -> None:
    phone, now = api_as("telephony"), timezone.now()
    for n, event in enumerate(("sign_in", "ready")):
        phone.post(
            EVENTS,
            {
                "event_id": f"a{n}",
                "type": "agent_state",
                "agent": agent,
                "at": now.isoformat(),
                "event": event,
            },
        )
    answer = phone.post(
        EVENTS,
        {
            "event_id": "c1",
            "type": "call_offered",
            "call_id": "test-1",
            "at": now.isoformat(),
            "line": "tver",
            "ivr_path": "1",
            "centre": "tver",
            "caller_number": "+79001234567",
        },
    ).json()
    assert answer["rung"] == [{"call_id": "test-1", "agent": agent, "callback": False}]


def create_tver(page) -> None:
    """From the menu's «Линии»: the Tver line from the regional volunteers' template."""
    page.get_by_role("link", name="Линии").click()
    page.select_option("select[name=template]", "regional-volunteers")
    page.fill("input[name=code]", "tver")
    page.select_option("select[name=region]", "RU-TVE")
    with page.expect_navigation():
        page.get_by_role("button", name="Создать линию").click()


def give_menu(page) -> None:
    """From the checklist's link, the line's voice menu as data: a branch to each queue."""
    queues = Queue.objects.filter(line__code="tver", is_active=True).order_by("ivr_path")
    branches = [(q.ivr_path, q.name, q.code) for q in queues]
    menu = voicemenu.regional_menu("tver", "Вы позвонили в волонтёрский центр Твери.", branches)
    del menu["line"]  # the page is the line's own
    with page.expect_navigation():
        page.get_by_role("link", name="Голосовое меню линии").click()
    page.fill("#ivr-document", ivr.dump_yaml(menu))
    with page.expect_navigation():
        page.get_by_role("button", name="Проверить и сохранить").click()
    assert page.locator("#ivr-errors").count() == 0
    assert page.locator("#ivr-tree li").count() >= len(branches)
    page.goto(page.url.split("/contactcenter/")[0] + "/launch/tver/")


def passed(page) -> dict[str, str]:
    items = page.locator("#checklist li")
    return {
        items.nth(i).get_attribute("data-code"): items.nth(i).get_attribute("data-passed")
        for i in range(items.count())
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_supervisor_launches_a_regional_line_from_a_template(
    live_server, page, make_user, api_as, tmp_path
):
    make_user("tver-sup", "supervisor", regions=["RU-TVE"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "tver-sup")
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit]")
    create_tver(page)
    assert passed(page) == {
        "numbers": "0",
        "menu": "0",
        "staffing": "0",
        "script": "1",
        "articles": "0",
        "test_call": "0",
    }
    assert page.get_by_role("button", name="Открыть линию").is_disabled()

    # Staffing: three volunteers recruited at the new centre get the queues' skills in bulk.
    volunteers = [f.volunteer(f.centre("tver", "RU-TVE")) for _ in range(3)]
    page.fill("#skills input[name=logins]", " ".join(v.user.username for v in volunteers))
    page.fill("#skills input[name=skill]", "food")
    page.fill("#skills input[name=level]", "3")
    apply = page.get_by_role("button", name="Применить к отмеченным")
    with page.expect_navigation():
        apply.click()
    for skill in ("medicines", "psychology", "social"):
        page.get_by_label("Отметить всех").check()
        page.fill("#skills input[name=skill]", skill)
        with page.expect_navigation():
            apply.click()
    rows = page.locator("#skills tbody tr")
    assert rows.count() == 3
    for i in range(3):
        assert rows.nth(i).locator(".badge").all_inner_texts() == [
            "food 3",
            "medicines 1",
            "psychology 1",
            "social 1",
        ]

    # The number and the menu, through the configuration upload.
    text = services.export_line(code="tver").replace("phones: []", "phones:\n  - '+74822771100'")
    page.fill("textarea[name=configuration]", text.replace("menu: null", "menu: tver-ivr"))
    with page.expect_navigation():
        page.get_by_role("button", name="Загрузить").click()
    assert "Сохранено: изменений 2" in page.locator("#report").inner_text()
    assert passed(page)["menu"] == "0"  # named by code only: nothing the edge could play
    give_menu(page)
    assert passed(page)["menu"] == "1"

    put_on_every_shift(volunteers)
    save_article(
        data=ArticleData(slug="kb-tver", title="Тверь", lines=["tver"]),
        status="published",
        enforce_workflow=False,
    )
    page.reload()
    assert passed(page)["staffing"] == "1" and passed(page)["test_call"] == "0"
    a_call_reaches(api_as, volunteers[0].user.username)
    page.reload()
    assert set(passed(page).values()) == {"1"}
    page.screenshot(path=str(tmp_path / "checklist.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Открыть линию").click()
    assert page.locator("h1 .badge").inner_text() == "открыта"
    assert Line.objects.get(code="tver").is_active
    assert page.locator("#history tbody tr").first.inner_text().count("открыта") == 1
