"""The Content-Security-Policy in Chromium: the pages and Swagger UI work under it, and the
browser reports no refused script or style."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, page  # noqa: F401 — shared fixtures

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _refusals(tab) -> list[str]:
    seen: list[str] = []
    tab.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


def test_swagger_ui_runs_from_local_files_under_the_policy(make_user, login, live_server):  # noqa: F811
    make_user("csp-admin", "administrator")
    tab = login("csp-admin")
    refused = _refusals(tab)
    outside: list[str] = []
    tab.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    tab.goto(f"{live_server.url}/api/v1/docs")
    # The whole OpenAPI document is built on first request: slow on a busy machine.
    expect(tab.locator(".swagger-ui .info .title")).to_contain_text("Vmeste API", timeout=60_000)
    expect(tab.locator(".opblock").first).to_be_visible()
    assert outside == [] and refused == []


def test_the_call_card_works_under_the_policy(make_user, login, live_server):  # noqa: F811
    make_user("csp-operator", "operator")
    tab = login("csp-operator")
    refused = _refusals(tab)
    tab.goto(f"{live_server.url}/assistance/call/")
    tab.select_option("#line", "moscow-volunteers")
    tab.fill("#kb-q", "пенсия")
    tab.wait_for_load_state("networkidle")
    tab.goto(f"{live_server.url}/assistance/")
    tab.wait_for_load_state("networkidle")
    assert refused == []


PAGES = (
    "/", "/assistance/", "/contactcenter/", "/directory/", "/knowledge/", "/reports/",
    "/volunteers/", "/volunteers/coverage/", "/deliveries/board/", "/admin/",
    "/admin/accounts/user/", "/admin/accounts/user/add/",
)  # fmt: skip


def test_the_sections_and_the_admin_keep_to_the_policy(make_user, login, live_server):  # noqa: F811
    make_user("csp-root", "administrator")
    tab = login("csp-root")
    refused = _refusals(tab)
    for path in PAGES:
        answer = tab.goto(f"{live_server.url}{path}")
        tab.wait_for_load_state("networkidle")
        # The page itself, not the sign-in or the two-factor step (home leads to the call card).
        assert answer.status < 500 and "/accounts/login/" not in tab.url, path
        assert "/accounts/2fa/" not in tab.url, path
        assert refused == [], path
