"""Playwright driving Debian's Chromium (never a downloaded browser): one browser per session,
a fresh page per test at 1366×768."""

from __future__ import annotations

import pytest

VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def login(page, live_server):
    def enter(username: str, password: str = "pass-word-123"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return enter
