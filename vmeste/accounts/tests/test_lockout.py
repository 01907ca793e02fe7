"""Defect 3: the sign-in lock-out counts per account and per address, believes
X-Forwarded-For only from our own proxies, and lengthens its pause with each round."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from vmeste.accounts import lockout
from vmeste.core.clientip import client_ip

LOGIN = "/accounts/login/"


def _fail(client: Client, username: str, **meta) -> int:
    return client.post(LOGIN, {"username": username, "password": "wrong"}, **meta).status_code


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(settings):
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    settings.TRUSTED_PROXIES = []
    assert client_ip(spoofed) == "203.0.113.7"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(spoofed) == "203.0.113.7"  # the peer is not one of ours
    # Through our proxy: the client wrote the left part, the proxy appended what it saw.
    proxied = factory.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9, 10.0.0.5"
    )
    assert client_ip(proxied) == "198.51.100.9"
    garbage = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, nope")
    assert client_ip(garbage) == "10.0.0.2"


@pytest.mark.django_db
def test_a_new_forwarded_address_per_attempt_does_not_reset_the_count(make_user):
    make_user("op")
    client = Client()
    for n in range(5):
        _fail(client, "op", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    # Every attempt was counted against the real peer and the account.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
    right = client.post(LOGIN, {"username": "op", "password": "pass-word-123"})
    assert right.status_code == 429


@pytest.mark.django_db
def test_the_account_locks_even_when_every_attempt_comes_from_a_new_address(make_user):
    make_user("op")
    client = Client()
    for n in range(5):
        _fail(client, "op", REMOTE_ADDR=f"198.51.100.{n}")
    right = client.post(
        LOGIN, {"username": "op", "password": "pass-word-123"}, REMOTE_ADDR="192.0.2.50"
    )
    assert right.status_code == 429


@pytest.mark.django_db
def test_the_address_locks_even_when_every_attempt_names_a_new_account(make_user):
    make_user("op")
    client = Client()
    for n in range(5):
        _fail(client, f"guess{n}", REMOTE_ADDR="198.51.100.77")
    right = client.post(
        LOGIN, {"username": "op", "password": "pass-word-123"}, REMOTE_ADDR="198.51.100.77"
    )
    assert right.status_code == 429
    elsewhere = Client().post(
        LOGIN, {"username": "op", "password": "pass-word-123"}, REMOTE_ADDR="192.0.2.50"
    )
    assert elsewhere.status_code == 302  # the account itself was not attacked


@pytest.mark.django_db
def test_the_pause_doubles_with_each_further_round_of_failures(make_user, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user("op")
    request = RequestFactory().post(LOGIN, {"username": "op"})
    request.axes_ip_address = "192.0.2.1"
    assert lockout.cool_off(request) == timedelta(minutes=15)
    client = Client()
    for n in range(5):
        _fail(client, "op", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert lockout.cool_off(request) == timedelta(minutes=15)
    for n in range(5):  # hammering a closed door
        assert _fail(client, "op", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}") == 429
    assert lockout.cool_off(request) == timedelta(minutes=30)
    for n in range(100):
        _fail(client, "op", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert lockout.cool_off(request) == timedelta(hours=16)
    assert lockout.cool_off(None) == timedelta(minutes=15)
