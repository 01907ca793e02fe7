"""The wallboard on a wall screen, in Debian's Chromium at 1920×1080: numbers readable from
three metres, the service level coloured against its target, the longest wait in mm:ss, the
agents by state, each centre's local time and the viewer's; new figures every 2 s without
reloading the page."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.contactcenter.templatetags.wall import mmss
from vmeste.core.models import Centre, Line, Region


def test_mmss():
    assert [mmss(None), mmss(5), mmss(75.6), mmss(600), mmss(3723)] == [
        "0:00",
        "0:05",
        "1:15",
        "10:00",
        "1:02:03",
    ]


@pytest.fixture
def volgograd(make_user):
    line = Line.objects.get(code="volgograd-volunteers")
    centre = Centre.objects.create(
        code="vgg", name_ru="Волгоград", kind="regional", region=Region.objects.get(code="RU-VGG")
    )
    queue = Queue.objects.create(line=line, code="vgg-food", name="Продукты", skill="general")
    for n, state in enumerate(["available", "on_call", "on_call", "on_break", "wrap_up"]):
        Agent.objects.create(user=make_user(f"agent{n}"), centre=centre, state=state)
    return line, centre, queue


def _waiting(line, centre, queue, n: int, seconds: int) -> Call:
    return Call.objects.create(
        call_id=f"w{n}",
        line=line,
        centre=centre,
        queue=queue,
        state=Call.State.WAITING,
        offered_at=timezone.now() - timedelta(seconds=seconds),
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_wall_reads_from_three_metres_and_refreshes_without_reloading(
    browser, live_server, client, make_user, volgograd, tmp_path
):
    line, centre, queue = volgograd
    _waiting(line, centre, queue, 1, 75)
    _waiting(line, centre, queue, 2, 10)
    client.force_login(make_user("boss", "supervisor"))
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="ru-RU")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    zone = ZoneInfo(centre.region.time_zone)
    before = timezone.now().astimezone(zone).strftime("%H:%M")
    page.goto(f"{live_server.url}/contactcenter/wall/")
    page.wait_for_selector("[data-waiting]")
    assert page.locator("[data-waiting]").inner_text() == "2"
    assert re.fullmatch(r"1:1\d", page.locator("[data-longest]").inner_text())
    assert re.fullmatch(r"\d\d:\d\d:\d\d", page.locator("#wall-viewer-clock").inner_text())
    after = timezone.now().astimezone(zone).strftime("%H:%M")
    assert page.locator(".wall-local").inner_text() in {before, after}
    agents = page.locator(".wall-agent-on_call b").inner_text()
    assert agents == "2"
    # From three metres: the numbers are at least 48 px high, the screen does not scroll.
    size = page.locator("[data-waiting]").evaluate("b => parseFloat(getComputedStyle(b).fontSize)")
    assert size >= 48
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    shot = tmp_path / "wall.png"
    page.screenshot(path=str(shot))
    if os.environ.get("VMESTE_KEEP_SCREENSHOTS"):  # to look at it: the path of a folder
        shutil.copy(shot, os.environ["VMESTE_KEEP_SCREENSHOTS"])
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    # A third caller: the figure changes within the 2-second refresh, the page stays.
    page.evaluate("window.stillHere = true")
    _waiting(line, centre, queue, 3, 1)
    page.wait_for_function(
        "document.querySelector('[data-waiting]').textContent === '3'", timeout=5_000
    )
    assert page.evaluate("window.stillHere") is True
    assert problems == []
    context.close()
