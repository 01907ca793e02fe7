"""Defect 11: a session ends after 30 idle minutes and 12 hours after sign-in at the latest."""

import pytest

from vmeste.accounts import middleware

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(middleware, "clock", clock)
    return clock


def _signed_in(client) -> bool:
    return client.get("/assistance/").status_code == 200


def test_an_idle_session_ends(client, make_user, clock, settings):
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    client.force_login(make_user("op"))
    assert _signed_in(client)
    clock.now += 29 * 60
    assert _signed_in(client)  # activity keeps it alive…
    clock.now += 29 * 60
    assert _signed_in(client)
    clock.now += 31 * 60  # …until half an hour passes without a request
    assert not _signed_in(client)
    assert client.get("/assistance/").status_code == 302  # and it stays ended


def test_a_busy_session_still_ends_after_its_maximum_age(client, make_user, clock, settings):
    assert settings.SESSION_MAX_AGE_SECONDS == 12 * 3600
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    client.force_login(make_user("op"))
    for _ in range(12 * 3 - 1):
        assert _signed_in(client)
        clock.now += 20 * 60
    assert _signed_in(client)  # 11 h 40 min
    clock.now += 21 * 60
    assert not _signed_in(client)


def test_an_ended_session_is_refused_by_the_api(client, make_user, clock):
    client.force_login(make_user("op"))
    assert client.get("/api/v1/regions").status_code == 200
    clock.now += 31 * 60
    assert client.get("/api/v1/regions").status_code == 401
