"""Staff two-factor sign-in: a TOTP authenticator set up at first sign-in, its code asked at
every sign-in after, recovery codes that work once; roles without personal data and API
tokens are not asked. The clock of the TOTP check is fixed."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import segno
from django.test import Client
from django_otp import models as otp_models
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp import models as totp_models
from django_otp.plugins.otp_totp.models import TOTPDevice

from vmeste.accounts.models import ApiToken, User

pytestmark = pytest.mark.django_db

NOW = 1_800_000_000.0


class FixedTime:
    def __init__(self):
        self.now = NOW

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    """One fixed clock for the codes and for django-otp's wait after a wrong code."""
    settings.REQUIRE_2FA = True
    fixed = FixedTime()
    monkeypatch.setattr(totp_models, "time", fixed)
    monkeypatch.setattr(
        otp_models, "timezone", SimpleNamespace(now=lambda: datetime.fromtimestamp(fixed.now, UTC))
    )
    return fixed


def code_for(device: TOTPDevice, at: float) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = at
    return f"{totp.token():06d}"


def sign_in(client: Client, username: str) -> None:
    # Through the real sign-in form (axes needs the request), not force_login.
    done = client.post("/accounts/login/", {"username": username, "password": "pass-word-123"})
    assert done.status_code == 302


def test_first_sign_in_sets_up_the_authenticator_and_shows_recovery_codes(make_user, clock):
    make_user("op")
    client = Client()
    sign_in(client, "op")
    asked = client.get("/assistance/")
    assert asked.status_code == 302 and asked["Location"].startswith("/accounts/2fa/setup/")
    assert "next=%2Fassistance%2F" in asked["Location"]
    setup = client.get(asked["Location"]).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', setup).group(1)
    device = TOTPDevice.objects.get(user__username="op", confirmed=False)
    assert f"otpauth://totp/Vmeste%3Aop?secret={secret.replace(' ', '')}" in setup
    # The QR code is that very link, drawn on the page (no outside QR service).
    link = html.unescape(re.search(r'id="totp-url">([^<]+)<', setup).group(1))
    assert link.startswith("otpauth://totp/") and secret.replace(" ", "") in link
    qr = re.search(r'<figure id="totp-qr"[^>]*>(<svg.*?</svg>)</figure>', setup, re.S).group(1)
    drawn = segno.make(link, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")
    assert re.search(r' d="([^"]+)"', qr).group(1) == re.search(r' d="([^"]+)"', drawn).group(1)
    wrong = client.post("/accounts/2fa/setup/", {"code": "000000", "next": "/assistance/"})
    assert wrong.status_code == 422
    assert client.get("/assistance/").status_code == 302  # still not through
    clock.now += 5  # past the wait a wrong code costs
    done = client.post(
        "/accounts/2fa/setup/", {"code": code_for(device, clock.now), "next": "/assistance/"}
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/assistance/").status_code == 200


def _enrolled(make_user, clock, username="op", role="operator") -> tuple[TOTPDevice, list[str]]:
    from vmeste.accounts import twofactor

    user = make_user(username, role)
    device = twofactor.pending_device(user)
    device, codes = twofactor.confirm(user, code_for(device, NOW))
    clock.now += 60  # a later sign-in: the code just used may not be used again
    return device, codes


def test_every_later_sign_in_asks_for_the_current_code(make_user, clock):
    device, _codes = _enrolled(make_user, clock)
    client = Client()
    sign_in(client, "op")
    asked = client.get("/assistance/")
    assert asked["Location"].startswith("/accounts/2fa/?")
    stale = client.post("/accounts/2fa/", {"code": code_for(device, NOW - 600)})
    assert stale.status_code == 422
    right = {"code": code_for(device, clock.now), "next": "/assistance/"}
    # django-otp makes a caller wait after a wrong code: even the right one is refused then.
    assert client.post("/accounts/2fa/", right).status_code == 422
    clock.now += 120
    passed = client.post(
        "/accounts/2fa/", {"code": code_for(device, clock.now), "next": "/assistance/"}
    )
    assert passed.status_code == 302 and passed["Location"] == "/assistance/"
    assert client.get("/assistance/").status_code == 200


def test_a_recovery_code_works_once(make_user, clock):
    _device, codes = _enrolled(make_user, clock)
    first = Client()
    sign_in(first, "op")
    assert first.post("/accounts/2fa/", {"code": codes[0].upper()}).status_code == 302
    assert first.get("/assistance/").status_code == 200
    second = Client()
    sign_in(second, "op")
    assert second.post("/accounts/2fa/", {"code": codes[0]}).status_code == 422


def test_the_api_refuses_an_unverified_session_but_not_a_token(make_user, clock):
    _device, _codes = _enrolled(make_user, clock)
    client = Client()
    sign_in(client, "op")
    refused = client.get("/api/v1/regions")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "two_factor_required"
    _token, raw = ApiToken.issue(user=User.objects.get(username="op"))
    assert Client().get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_roles_without_personal_data_are_not_asked(make_user, clock):
    make_user("count", "analyst")
    client = Client()
    sign_in(client, "count")
    assert client.get("/reports/").status_code == 200


def test_off_when_the_setting_is_off(make_user, settings):
    settings.REQUIRE_2FA = False
    make_user("op")
    client = Client()
    sign_in(client, "op")
    assert client.get("/assistance/").status_code == 200


def test_an_outside_next_address_is_not_followed(make_user, clock):
    device, _codes = _enrolled(make_user, clock)
    client = Client()
    sign_in(client, "op")
    passed = client.post(
        "/accounts/2fa/", {"code": code_for(device, clock.now), "next": "https://evil.example/"}
    )
    assert passed.status_code == 302 and passed["Location"] == "/"
