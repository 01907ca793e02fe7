"""The figures page in Chromium at 1366×768: the chart drawn in Russian, the exports
downloaded, no console error and no failed request."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "test-results"


def _a_day_of_work(make_user) -> None:
    from vmeste.contacts import services as contacts
    from vmeste.core.models import Line

    operator = make_user("op", "operator")
    for number in ("+79275551234", "+79275551235"):
        data = contacts.ContactInput(
            line=Line.objects.get(code="volgograd-volunteers"), caller_number=number
        )
        contacts.register_contact(data=data, actor=operator)


def test_figures_page_in_russian_with_its_exports(browser, live_server, make_user):
    from openpyxl import load_workbook

    _a_day_of_work(make_user)
    make_user("an", "analyst")
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="ru-RU", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "an")
        page.fill("#id_password", "pass-word-123")
        page.click("button[type=submit]")
        page.wait_for_url("**/reports/")
        assert page.inner_text("#fig-contacts") == "2"
        # Drawn: 30 bars laid out with real sizes (a "204,0" would leave them 0×0).
        bars = page.locator("svg .bar")
        assert bars.count() == 30
        boxes = [bars.nth(i).bounding_box() for i in range(30)]
        assert all(b is not None and b["width"] > 10 for b in boxes)
        assert max(b["height"] for b in boxes) > 100  # today's bar is the tallest one
        lines = page.locator("svg polyline")
        assert lines.count() == 2 and lines.nth(0).bounding_box()["width"] > 1000
        # The page fits the screen's width: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        SHOTS.mkdir(exist_ok=True)
        shot = page.screenshot(path=str(SHOTS / "figures-1366x768.png"))
        assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000

        with page.expect_download() as csv_download:
            page.click("#export-csv")
        text = Path(csv_download.value.path()).read_bytes().decode("utf-8-sig")
        assert csv_download.value.suggested_filename.endswith(".csv")
        assert text.splitlines()[1].split(";")[3:] == ["2", "0", "0"]
        with page.expect_download() as xlsx_download:
            page.click("#export-xlsx")
        book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
        assert (2, 0, 0) in list(book["Итого"].iter_rows(values_only=True))
        assert problems == []
    finally:
        context.close()
