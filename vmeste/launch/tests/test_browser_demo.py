"""The issue's «done when», in Debian's Chromium at 1366×768, on a fresh `make demo`: the
demo loaded the way `make demo` loads it (`vmeste loaddemo --if-empty`, its full size and
its own passwords) into the live server's database. The demo supervisor (`demoinfo`'s
login) makes a regional line from a template in the site, staffs it with the demo's own
people — three active Volgograd volunteers moved to the new centre on the volunteers'
page, given the queues' skills on the line's page, laid on its shifts on the calendar in
bulk — gives it its number, articles and voice menu, and a test call, sent as the SIP edge
sends it (the telephony event API: no SIP edge here), rings one of those three, whose
workplace pops the call; the checklist then passes and the line opens. No console error,
no failed request.

The line is 24/7 and the checklist looks a week ahead from the moment the test runs: the
calendar is laid from yesterday (whose night shift may still be running) for two weeks, so
any hour the test runs at is covered."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from vmeste.contactcenter.models import Call
from vmeste.demo import cast
from vmeste.launch import services
from vmeste.launch.tests.test_browser import create_tver, give_menu, passed
from vmeste.volunteers.models import Assignment, Shift, Volunteer

EVENTS = "/api/v1/telephony/events"


def _watched(browser, cookies: list | None = None):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU")
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(60_000)  # a shared machine under load: slow, not wrong
    page.set_default_navigation_timeout(60_000)
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("requestfailed", lambda r: _failed(page, r))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"))
    return context, page


def _failed(page, request) -> None:
    """A failed request is a problem, except the browser's own fetch of the site's icon cut
    short by the next navigation (net::ERR_ABORTED): nothing the page asked for failed."""
    aborted = "ERR_ABORTED" in (request.failure or "")
    if not (aborted and request.url.endswith("/static/vmeste/icon.svg")):
        page.problems.append(f"failed {request.url} {request.failure}")


def _demo_operators(n: int) -> list[Volunteer]:
    """Active Volgograd volunteers of the demo who answer calls (the operator role, a login)
    and are not checked in to a shift right now (they could not be moved mid-shift)."""
    now = timezone.now()
    busy = Assignment.objects.filter(
        volunteer__isnull=False,  # not the employees' places: NOT IN a NULL is never true
        checked_in_at__isnull=False,
        shift__starts_at__lte=now,
        shift__ends_at__gt=now,
    ).values("volunteer")
    chosen = (
        Volunteer.objects.filter(centre__code="volgograd", status="active", user__isnull=False)
        .filter(roles__role="operator")
        .exclude(pk__in=busy)
        .select_related("user")
        .order_by("last_name", "first_name")
    )
    return list(chosen[:n])


def _click(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _lay_and_staff_week(page) -> None:
    """On the calendar shown: the templates laid on the week, everyone ticked on every
    shift still to come, as operators."""
    _click(page, "Разложить шаблоны смен на эту неделю")
    form = page.locator("#assign-many")
    form.get_by_label("все смены недели").check()
    form.get_by_label("все", exact=True).check()
    form.locator("select[name=role]").select_option("operator")
    _click(page, "Назначить отмеченных на отмеченные смены")
    expect(page.locator(".flash-success")).to_contain_text("Назначено мест:")
    assert page.locator(".flash-error").count() == 0


def _event(phone, **event) -> dict:
    answer = phone.post(EVENTS, {"at": timezone.now().isoformat(), **event})
    assert answer.status_code == 200, answer.content
    return answer.json()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_from_the_demo_a_supervisor_launches_a_line_and_a_call_reaches_its_agent(
    live_server, browser, api_of, client, tmp_path
):
    out = StringIO()
    call_command("loaddemo", "--if-empty", stdout=out)  # as `make demo` does
    assert "volunteers: 150" in out.getvalue() and "persons: 2000" in out.getvalue()
    boss = next(u for u in cast.USERS if u.username == "supervisor")
    context, page = _watched(browser)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", boss.username)
    page.fill("#id_password", boss.password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    create_tver(page)
    assert passed(page)["staffing"] == "0" and passed(page)["test_call"] == "0"
    assert page.get_by_role("button", name="Открыть линию").is_disabled()

    # The demo's own people: three Volgograd volunteers moved to the new centre.
    people = _demo_operators(3)
    assert len(people) == 3
    logins = [v.user.username for v in people]
    page.goto(f"{live_server.url}/volunteers/?centre=volgograd&status=active")
    for v in people:
        page.locator(f"#transfer input[name=volunteer][value='{v.pk}']").check()
    page.locator("#transfer select[name=to]").select_option("tver")
    _click(page, "Перевести")
    expect(page.get_by_text("Переведено в центр")).to_contain_text(": 3.")
    assert set(Volunteer.objects.filter(centre__code="tver").values_list("pk", flat=True)) == {
        v.pk for v in people
    }

    # On the line's page: the queues' skills to the three, in bulk.
    page.goto(f"{live_server.url}/launch/tver/")
    page.fill("#skills input[name=logins]", " ".join(logins))
    for n, skill in enumerate(("food", "medicines", "psychology", "social")):
        if n:
            page.get_by_label("Отметить всех").check()
        page.fill("#skills input[name=skill]", skill)
        page.fill("#skills input[name=level]", "2")
        _click(page, "Применить к отмеченным")
    # Its number and the demo knowledge base's articles through the configuration upload.
    text = services.export_line(code="tver").replace("phones: []", "phones:\n  - '+74822771100'")
    text = text.replace("articles: []", "articles:\n- kb-010\n- kb-015")
    page.fill("textarea[name=configuration]", text.replace("menu: null", "menu: tver-ivr"))
    _click(page, "Загрузить")
    assert passed(page)["numbers"] == "1" and passed(page)["articles"] == "1"
    # A menu named by code only is not a menu the media application can play.
    assert passed(page)["menu"] == "0"

    give_menu(page)
    assert passed(page)["menu"] == "1"

    # The shifts, from the checklist's link to the new centre's calendar: from yesterday,
    # two weeks laid and staffed in bulk.
    with page.expect_navigation():
        page.get_by_role("link", name="Смены: tver").click()
    yesterday = timezone.localdate() - timedelta(days=1)
    page.goto(f"{live_server.url}/volunteers/calendar/?centre=tver&from={yesterday}")
    _lay_and_staff_week(page)
    with page.expect_navigation():
        page.get_by_role("link", name="неделя →").click()
    _lay_and_staff_week(page)
    laid = Shift.objects.filter(centre__code="tver")
    assert laid.count() == 56
    held = Assignment.objects.filter(shift__in=laid)
    assert set(held.values_list("volunteer__user__username", flat=True)) == set(logins)
    page.goto(f"{live_server.url}/launch/tver/")
    assert passed(page)["staffing"] == "1" and passed(page)["test_call"] == "0"
    page.screenshot(path=str(tmp_path / "staffed.png"), full_page=True)

    # The test call, as the SIP edge sends it: the three phones sign in, a caller dials.
    phone = api_of("telephony")  # the demo's own account of the SIP edge
    for n, login in enumerate(logins):
        _event(phone, event_id=f"in{n}", type="agent_state", agent=login, event="sign_in")
    answer = _event(
        phone,
        event_id="c1",
        type="call_offered",
        call_id="test-1",
        line="tver",
        ivr_path="1",
        centre="tver",
        caller_number="+79001234567",
    )
    [rung] = answer["rung"]
    assert rung["call_id"] == "test-1" and rung["agent"] in logins
    page.reload()
    assert {code for code, ok in passed(page).items() if ok != "1"} == set()
    _click(page, "Открыть линию")
    assert page.locator("h1 .badge").inner_text() == "открыта"
    page.screenshot(path=str(tmp_path / "launched.png"), full_page=True)

    # The agent the router chose: their workplace pops the call that rings them.
    agent = next(v.user for v in people if v.user.username == rung["agent"])
    client.force_login(agent)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value}
    desk, workplace = _watched(browser, [{**cookie, "url": live_server.url}])
    workplace.goto(f"{live_server.url}/contactcenter/")
    expect(workplace.locator("#cc-pop-link")).to_contain_text("+79001234567")
    workplace.screenshot(path=str(tmp_path / "agent.png"), full_page=True)
    assert Call.objects.get(call_id="test-1").agent.user == agent
    assert page.problems == [] and workplace.problems == []
    desk.close()
    context.close()
