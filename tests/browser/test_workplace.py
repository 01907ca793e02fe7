"""The intake loop as an operator lives it, in a real browser: log in, look a caller up,
register a request, find it, resolve it, and see the figures change."""

from __future__ import annotations

import re
from datetime import date

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE = "+7 927 555-12-34"


def known_caller(actor):
    """A caller who phoned before: a person with a past contact."""
    from vmeste.contacts import services as contacts
    from vmeste.core.models import Line, Region
    from vmeste.people import services as people

    person, _matched = people.find_or_register(
        data=people.PersonInput(
            phone=PHONE,
            last_name="Петрова",
            first_name="Анна",
            middle_name="Ивановна",
            birth_date=date(1942, 3, 8),
            region=Region.objects.get(code="RU-VGG"),
        ),
        consent=True,
        actor=actor,
    )
    contacts.register_contact(
        data=contacts.ContactInput(
            line=Line.objects.get(code="volgograd-volunteers"),
            caller_number=PHONE,
            notes="Спрашивала про пенсию",
        ),
        actor=actor,
        person=person,
    )
    return person


def figure(page, name: str) -> int:
    return int(re.sub(r"\D", "", page.inner_text(f"#fig-{name}")) or 0)


def test_intake_loop_from_call_to_figures(page, login, live_server, make_user):
    supervisor = make_user("sup", "supervisor")
    known_caller(supervisor)
    login("sup")
    # The home page is the call card.
    assert page.url.endswith("/assistance/call/")

    page.goto(f"{live_server.url}/reports/")
    before_requests, before_helped = figure(page, "requests"), figure(page, "helped")

    # Look the caller up: the history appears while typing.
    page.goto(f"{live_server.url}/assistance/call/")
    page.fill("#caller_number", PHONE)
    history = page.locator("#caller-history")
    history.get_by_text("Петрова Анна Ивановна").wait_for()
    assert "Спрашивала про пенсию" in history.inner_text()

    # Register a request for this caller on the Volgograd line.
    page.select_option("#line", "volgograd-volunteers")
    page.locator("#line-panel").get_by_text("Район области").wait_for()
    page.check("#with_request")
    history.get_by_role("button", name="Это он(а)").click()
    assert page.input_value("#p_last") == "Петрова"
    page.select_option("#category", "groceries-delivery")
    page.fill("#description", "Нужны продукты: хлеб, молоко, крупа.")
    page.fill("[name='intake.district']", "Советский")
    # Nothing typed is lost on a reload.
    page.reload()
    assert page.input_value("#description") == "Нужны продукты: хлеб, молоко, крупа."
    # The line's own questions come back once its panel has reloaded for the kept line.
    expect(page.locator("#category")).to_have_value("groceries-delivery")
    expect(page.locator("[name='intake.district']")).to_have_value("Советский")
    # Without consent the form is refused next to the checkbox, and keeps its text.
    page.locator("#description").press("Control+Enter")
    page.locator("#err-consent").wait_for()
    assert page.input_value("#description") == "Нужны продукты: хлеб, молоко, крупа."
    page.check("#consent")
    page.click("button.primary")

    flash = page.locator(".flash-success")
    number = re.search(r"VGG-\d{4}-\d{6}", flash.inner_text()).group(0)

    # Find it in the list by the caller's number.
    page.goto(f"{live_server.url}/assistance/")
    page.keyboard.press("/")
    page.keyboard.type(PHONE)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.inner_text("#total") == "1"
    page.get_by_role("link", name=number).click()

    # Take it into work, then resolve it with an outcome.
    page.get_by_role("button", name="в работе").click()
    assert page.inner_text("#status") == "в работе"
    page.check("input[name='outcome.helped'][value='yes']")
    page.select_option("#o_how", "delivery")
    page.fill("#o_note", "Привезли продукты")
    page.get_by_role("button", name="решена").click()
    assert page.inner_text("#status") == "решена"
    assert "Привезли продукты" in page.inner_text("#outcome")

    # A phone can read the request without scrolling sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.set_viewport_size({"width": 1366, "height": 768})

    page.goto(f"{live_server.url}/reports/")
    assert figure(page, "requests") == before_requests + 1
    assert figure(page, "helped") == before_helped + 1
