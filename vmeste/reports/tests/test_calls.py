"""The published figures count a period's calls as the wallboard does: answered, abandoned
in the queue, abandoned in the voice menu and served by it each once, in its own column;
the service level over the calls offered to a queue only — on the page, in the API and in
both exports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from vmeste.contactcenter.tests.test_call_figures import make_day

pytestmark = pytest.mark.django_db

DAY = {"date_from": "2026-04-01", "date_to": "2026-04-01"}  # the day of make_day's calls
CALLS = {
    "offered": 5,
    "answered": 3,
    "within_target": 2,
    "abandoned": 1,
    "abandoned_in_menu": 2,
    "served_in_menu": 1,
    "service_level": 0.4,
}


@pytest.fixture
def analyst(client, make_user):
    make_day()
    client.force_login(make_user("an", "analyst"))
    return client


def test_the_page_and_the_api_count_each_call_once(analyst, api_as):
    page = analyst.get(reverse("reports:figures"), DAY)
    assert page.context["data"]["calls"] == CALLS
    assert page.context["data"]["contacts"] == 8  # every call of the day is a contact
    body = page.content.decode()
    assert '<tr data-figure="abandoned_in_menu"><th scope="row">ушли из голосового меню' in body
    assert (
        '<tr data-figure="service_level"><th scope="row">уровень обслуживания</th><td>40 %' in body
    )
    answer = api_as("analyst").get("/api/v1/figures?date_from=2026-04-01&date_to=2026-04-01")
    assert answer.status_code == 200 and answer.json()["calls"] == CALLS


def test_the_exports_carry_the_same_calls(analyst):
    from openpyxl import load_workbook

    text = analyst.get(reverse("reports:export", args=["csv"]), DAY).content.decode("utf-8-sig")
    rows = [line.split(";") for line in text.splitlines()]
    calls = {r[1]: r[3] for r in rows if r[0] == "Звонки" and r[1] != "Код"}
    assert calls == {code: str(value) for code, value in CALLS.items()}
    xlsx = analyst.get(reverse("reports:export", args=["xlsx"]), DAY).content
    sheet = load_workbook(io.BytesIO(xlsx))["Звонки"]
    assert {r[0]: r[2] for r in sheet.iter_rows(min_row=2, values_only=True)} == CALLS


def test_a_line_filter_keeps_only_its_calls(analyst):
    page = analyst.get(reverse("reports:figures"), {**DAY, "line": "volgograd-volunteers"})
    assert page.context["data"]["calls"]["offered"] == 0
    assert page.context["data"]["calls"]["service_level"] is None
