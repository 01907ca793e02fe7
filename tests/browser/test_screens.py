"""The operator's and coordinator's screens in Chromium at 1366×768: the call card, the
request page and the person card. Each run takes a screenshot (test-results/) and fails on a
console error or a failed request."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.browser.conftest import VIEWPORT

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
PHONE = "+79275551234"


@pytest.fixture
def watched(browser, live_server):
    """A 1366×768 page that records every console error, page error and failed request.
    A request the browser itself aborts on leaving a page (the toolbar's poll, the screen
    pop's stream) is no failure of the page."""
    context = browser.new_context(viewport=VIEWPORT, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.problems = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "status of 422" not in m.text  # a refused form is the answer, not a failure
            and page.problems.append(f"{page.url} {m.text} {m.location}")
        ),
    )
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: r.failure != "net::ERR_ABORTED" and page.problems.append(f"{r.url} {r.failure}"),
    )
    page.on(
        "response",
        lambda r: (
            r.status >= 400 and r.status != 422 and page.problems.append(f"{r.status} {r.url}")
        ),
    )

    def login(username: str):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pass-word-123")
        page.click("button[type=submit]")
        page.wait_for_load_state()

    page.login = login
    yield page
    context.close()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    shot = page.screenshot(path=str(SHOTS / f"{name}-1366x768.png"))
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000


def known_caller(actor):
    from vmeste.core.models import Region
    from vmeste.people import services as people
    from vmeste.people.models import Person

    person, _matched = people.find_or_register(
        data=people.PersonInput(
            phone=PHONE,
            last_name="Петрова",
            first_name="Анна",
            middle_name="Ивановна",
            birth_date=date(1942, 3, 8),
            region=Region.objects.get(code="RU-VGG"),
            address="Волгоград, ул. Мира, 5, кв. 12",
        ),
        consent=True,
        actor=actor,
    )
    Person.objects.filter(pk=person.pk).update(district="Кировский")
    return person


def an_agent_of_the_volgograd_centre(make_user):
    """An operator of a regional centre whose main line is the Volgograd line (not the first
    line by code), signed in to the contact centre."""
    from vmeste.contactcenter.models import Agent
    from vmeste.core.models import Centre, Line, Region

    centre = Centre.objects.create(
        code="vgg", name_ru="Волгоград", kind="regional", region=Region.objects.get(code="RU-VGG")
    )
    centre.lines.add(Line.objects.get(code="volgograd-volunteers"))
    centre.lines.add(Line.objects.get(code="circle-of-kindness"))
    operator = make_user("op", "operator")
    operator.centre = centre
    operator.save()
    Agent.objects.create(user=operator, centre=centre, state="available", skills={"general": 1})
    return operator


def ring(operator, number: str):
    from django.utils import timezone

    from vmeste.contactcenter.models import Agent, Call
    from vmeste.core.models import Line

    agent = Agent.objects.get(user=operator)
    call = Call.objects.create(
        call_id="call-2",
        line=Line.objects.get(code="volgograd-volunteers"),
        centre=agent.centre,
        caller_number=number,
        state="ringing",
        offered_at=timezone.now(),
        agent=agent,
    )
    Agent.objects.filter(pk=agent.pk).update(call=call, state="ringing")
    return call


def test_call_card(watched, live_server, make_user):
    page = watched
    operator = an_agent_of_the_volgograd_centre(make_user)
    known_caller(operator)
    page.login("op")
    assert page.url.endswith("/assistance/call/")
    # The toolbar on the card; the line is the centre's main line.
    expect(page.locator("#cc-toolbar")).to_contain_text("Свободен")
    expect(page.locator("#line")).to_have_value("volgograd-volunteers")

    # «Это он(а)» fills every known field, 60+ worked out from the birth date.
    page.check("#with_request")
    page.fill("#caller_number", "8 927 555-12-34")
    expect(page.locator(".lookup-number")).to_contain_text("+7 927 555-12-34")
    page.locator("#caller-history").get_by_role("button", name="Это он(а)").click()
    expect(page.locator("#p_last")).to_have_value("Петрова")
    expect(page.locator("#p_birth")).to_have_value("1942-03-08")
    expect(page.locator("#p_address")).to_have_value("Волгоград, ул. Мира, 5, кв. 12")
    expect(page.locator("#p_phone")).to_have_value(PHONE)
    expect(page.locator("[name='intake.district']")).to_have_value("Кировский")
    expect(page.locator("#region")).to_have_value("RU-VGG")

    # The side panels are tabs of one column: the page stays about a screen high.
    page.get_by_role("tab", name="Навигатор").click()
    expect(page.locator("#navigator-slot")).to_contain_text("Положено")
    page.get_by_role("tab", name="База знаний").click()
    expect(page.locator("#kb-q")).to_be_visible()
    expect(page.locator("#caller-history")).to_be_hidden()
    page.get_by_role("tab", name="История").click()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 1400, f"the card is {height} px high at 1366×768"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shoot(page, "call-card")

    # A save refused (no consent) leaves a draft; the next call's card is not blocked by it.
    page.select_option("#category", "groceries-delivery")
    page.fill("#description", "Нужны продукты: хлеб, молоко.")
    page.click("button.primary")
    page.locator("#err-consent").wait_for()
    ring(operator, "+79035550011")
    pop = page.locator("#cc-pop-link")
    expect(pop).to_be_visible(timeout=8_000)
    expect(pop).to_contain_text("+79035550011")
    # The contact centre's page opens the popped call in the card's window (the link here
    # would also drop the draft; the draft must not need it).
    page.goto(live_server.url + pop.get_attribute("href"))
    assert "call=call-2" in page.url
    expect(page.locator("#caller_number")).to_have_value("+79035550011")
    expect(page.locator("#p_last")).to_have_value("")
    expect(page.locator("#with_request")).not_to_be_checked()
    page.fill("#notes", "Спросил про часы работы")
    page.click("button.primary")
    expect(page.locator(".flash-success")).to_contain_text("Обращение сохранено")

    # «Новый звонок» clears the card.
    page.fill("#caller_number", "+79035550022")
    page.fill("#notes", "черновик")
    page.click("#new-call")
    page.wait_for_load_state()
    expect(page.locator("#notes")).to_have_value("")
    expect(page.locator("#caller_number")).to_have_value("")
    assert page.problems == [], page.problems


def registered_request(operator):
    """A grocery request registered through the service, as the card does."""
    from vmeste.assistance import services
    from vmeste.core.models import Category, Line, Region
    from vmeste.people import services as people

    return services.register_with_person(
        data=services.RequestInput(
            line=Line.objects.get(code="volgograd-volunteers"),
            region=Region.objects.get(code="RU-VGG"),
            category=Category.objects.get(code="groceries"),
            subcategory=Category.objects.get(code="groceries-delivery"),
            description="Нужны продукты: хлеб, молоко, крупа.",
            district="Кировский",
            intake={"district": "Кировский"},
        ),
        person_data=people.PersonInput(
            phone=PHONE,
            last_name="Петрова",
            first_name="Анна",
            birth_date=date(1942, 3, 8),
            region=Region.objects.get(code="RU-VGG"),
            address="Волгоград, ул. Мира, 5, кв. 12",
        ),
        actor=operator,
        consent=True,
    ).request


def test_request_page(watched, live_server, make_user):
    from vmeste.assistance.models import Team
    from vmeste.core.models import Centre, Region

    page = watched
    operator = make_user("op", "operator")
    item = registered_request(operator)
    vgg = Region.objects.get(code="RU-VGG")
    centre = Centre.objects.create(code="vgg", name_ru="Волгоград", kind="regional", region=vgg)
    coordinator = make_user("coord", "coordinator", regions=["RU-VGG"])
    coordinator.centre = centre
    coordinator.save()
    make_user("national-op", "operator")  # the whole country: above a regional coordinator
    Team.objects.create(code="vgg-crew", name="Экипаж Волгограда", region=vgg)
    Team.objects.create(
        code="mow-crew", name="Экипаж Москвы", region=Region.objects.get(code="RU-MOW")
    )
    page.login("coord")
    page.goto(f"{live_server.url}/assistance/{item.pk}/")
    expect(page.locator("#req-phone")).to_have_text("+7 927 555-12-34")
    expect(page.locator("#req-address")).to_contain_text("Волгоград, ул. Мира, 5, кв. 12")
    expect(page.locator("#req-address")).to_contain_text("Кировский")
    expect(page.locator("#req-intake")).to_contain_text("60+: да")
    teams = page.locator("select[name=team] option").all_inner_texts()
    assert "Экипаж Волгограда" in teams and "Экипаж Москвы" not in teams
    assignees = page.locator("select[name=assignee] option").all_inner_texts()
    assert "coord" in assignees and "national-op" not in assignees
    # Referrals are picked from the navigator's suggestions: a list, no ids to type.
    expect(page.locator("#referral-target")).to_be_visible()
    assert page.locator("input[name=measure_id]").count() == 0

    # «Создать доставку»: a form filled from the request.
    page.click("#create-delivery")
    expect(page.locator("#d_address")).to_have_value("Волгоград, ул. Мира, 5, кв. 12")
    expect(page.locator("#d_district")).to_have_value("Кировский")
    expect(page.locator("#d_phone")).to_have_value("+7 927 555-12-34")
    expect(page.locator("#d_items")).to_have_value("хлеб\nмолоко\nкрупа")
    page.get_by_role("button", name="Создать доставку").click()
    page.wait_for_url(re.compile(rf"/assistance/{item.pk}/$"))
    # The delivery's state, back on the request; the request went into work with it.
    expect(page.locator("#deliveries")).to_contain_text("ждёт курьера")
    expect(page.locator("#status")).to_have_text("в работе")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shoot(page, "request-page")
    assert page.problems == [], page.problems


def test_person_card(watched, live_server, make_user):
    page = watched
    operator = make_user("op", "operator")
    person = known_caller(operator)
    page.login("op")
    page.goto(f"{live_server.url}/people/{person.pk}/")
    expect(page.locator(".facts .phone").first).to_have_text("+7 927 555-12-34")
    expect(page.locator("#birth-date")).to_contain_text("08.03.1942")
    # The navigator's eligibility for this person, on the card.
    page.click("#eligibility-link")
    expect(page.locator("#eligibility")).to_contain_text("Положено")
    shoot(page, "person-card")

    page.click("#edit-person")
    page.fill("#e_address", "Волгоград, ул. Ленина, 1")
    page.fill("#e_phone", "8 903 555-00-11")
    page.select_option("#f_lives_alone", "yes")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(re.compile(rf"/people/{person.pk}/$"))
    expect(page.locator(".facts")).to_contain_text("Волгоград, ул. Ленина, 1")
    expect(page.locator(".facts")).to_contain_text("+7 903 555-00-11")
    expect(page.locator(".facts")).to_contain_text("живёт один")
    assert page.problems == [], page.problems


def test_person_edit_refuses_a_future_birth_date(watched, live_server, make_user):
    page = watched
    operator = make_user("op", "operator")
    person = known_caller(operator)
    page.login("op")
    page.goto(f"{live_server.url}/people/{person.pk}/edit/")
    page.fill("#e_birth", "2999-01-01")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#edit-error")).to_be_visible()
    expect(page.locator("#err-birth_date")).to_be_visible()
    assert page.problems == [], page.problems
