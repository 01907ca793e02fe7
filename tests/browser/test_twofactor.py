"""Two-factor sign-in in Chromium: the first sign-in sets up the authenticator (the key read
off the page, the code computed as a phone would), the next one asks for the code."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, page  # noqa: F401 — shared fixtures
from vmeste.accounts.tests.test_twofactor import clock, code_for  # noqa: F401 — fixed clock

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_sets_up_and_then_uses_the_second_step(make_user, login, live_server, clock):  # noqa: F811
    from django_otp.plugins.otp_totp.models import TOTPDevice

    make_user("tf-operator", "operator")
    tab = login("tf-operator")
    expect(tab.get_by_role("heading", name="Подключите приложение-аутентификатор")).to_be_visible()
    secret = tab.locator("#totp-secret").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user__username="tf-operator")
    assert secret and device.config_url.split("secret=")[1].startswith(secret)
    tab.get_by_label("Код из приложения").fill(code_for(device, clock.now))
    tab.get_by_role("button", name="Подключить").click()
    expect(tab.locator("#recovery-codes li")).to_have_count(10)
    tab.get_by_role("link", name="Продолжить").click()
    expect(tab.locator(".topbar")).to_be_visible()
    assert "/accounts/" not in tab.url

    tab.locator("form[action='/accounts/logout/'] button").click()
    clock.now += 60
    login("tf-operator")
    expect(tab.get_by_role("heading", name="Второй шаг входа")).to_be_visible()
    tab.get_by_label("Код").fill(code_for(device, clock.now))
    tab.get_by_role("button", name="Подтвердить").click()
    expect(tab.locator(".topbar")).to_be_visible()
    tab.goto(f"{live_server.url}/assistance/")
    assert tab.url.endswith("/assistance/")
