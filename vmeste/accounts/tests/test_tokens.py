"""Token authentication: who is behind a token, with their scope, in one statement."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vmeste.accounts.models import ApiToken
from vmeste.core.models import Line, Region
from vmeste.core.scoping import user_scope

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_their_scope_and_the_use_is_noted_once_a_minute(make_user, monkeypatch):
    user = make_user("op", regions=["RU-VGG", "RU-MOW"], lines=["volgograd-volunteers"])
    token, raw = ApiToken.issue(user=user)
    with CaptureQueriesContext(connection) as first:
        found = ApiToken.authenticate(raw)
        scope = user_scope(found)
    assert found.pk == user.pk and found.role == "operator" and found.is_active is True
    assert scope == (
        set(Region.objects.filter(code__in=["RU-VGG", "RU-MOW"]).values_list("pk", flat=True)),
        {Line.objects.get(code="volgograd-volunteers").pk},
    )
    # The access stamp, then the token, the user and the scope in one statement, plus the
    # note of its first use.
    assert len(first) == 3
    token.refresh_from_db()
    assert token.last_used_at is not None
    with CaptureQueriesContext(connection) as again:
        assert user_scope(ApiToken.authenticate(raw)) == scope
    assert len(again) == 1  # the stamp alone: kept, and used a moment ago (not written)
    two_minutes_on = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: two_minutes_on)
    with CaptureQueriesContext(connection) as later:
        ApiToken.authenticate(raw)
    assert len(later) == 2  # the stamp, and the note of this use
    token.refresh_from_db()
    assert token.last_used_at == two_minutes_on


def test_an_unlimited_user_has_an_empty_scope(make_user):
    _token, raw = ApiToken.issue(user=make_user("nat", "supervisor"))
    assert user_scope(ApiToken.authenticate(raw)) == (set(), set())


def test_revoked_tokens_and_inactive_users_are_refused(make_user):
    user = make_user("op")
    token, raw = ApiToken.issue(user=user)
    other_token, other_raw = ApiToken.issue(user=make_user("gone"))
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    other_token.user.is_active = False
    other_token.user.save()
    assert ApiToken.authenticate(raw) is None
    assert ApiToken.authenticate(other_raw) is None
    assert ApiToken.authenticate("vm_" + "x" * 43) is None


# --- Defect 11: tokens expire, and their scope is never wider than their owner's.


def _ids(model, *codes):
    return set(model.objects.filter(code__in=codes).values_list("pk", flat=True))


def test_a_token_expires_after_90_days_by_default(make_user, client, monkeypatch):
    from vmeste.accounts.services import issue_token

    raw = issue_token(username=make_user("op").username)
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == pytest.approx(
        timedelta(days=90), abs=timedelta(minutes=1)
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/regions", **auth).status_code == 200
    days_later = token.expires_at + timedelta(seconds=1)  # kept by the process meanwhile
    monkeypatch.setattr(timezone, "now", lambda: days_later)
    assert ApiToken.authenticate(raw) is None
    assert client.get("/api/v1/regions", **auth).status_code == 401


def test_the_cli_sets_the_life_and_narrows_the_scope(make_user, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    make_user("op", regions=["RU-VGG", "RU-MOW"])
    capsys.readouterr()
    call_command("token", "create", "op", "--days", "7", "--region", "RU-VGG")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == pytest.approx(
        timedelta(days=7), abs=timedelta(minutes=1)
    )
    assert user_scope(ApiToken.authenticate(raw))[0] == _ids(Region, "RU-VGG")
    with pytest.raises(CommandError, match="RU-SAM"):
        call_command("token", "create", "op", "--region", "RU-SAM")
    with pytest.raises(CommandError):
        call_command("token", "create", "op", "--days", "0")
    assert ApiToken.objects.count() == 1


def test_a_token_is_never_wider_than_its_owner(make_user, api_as):
    api = api_as("operator", regions=["RU-VGG"], lines=["volgograd-volunteers"])
    wider = api.post("/api/v1/tokens", {"regions": ["RU-MOW"]})
    assert wider.status_code == 422 and "regions" in wider.json()["error"]["fields"]
    too_long = api.post("/api/v1/tokens", {"days": 5000})
    assert too_long.status_code == 422
    made = api.post("/api/v1/tokens", {"name": "bot", "days": 30, "regions": ["RU-VGG"]})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["regions"] == ["RU-VGG"] and body["lines"] == []
    # The narrow token keeps the owner's line limit: it took nothing wider.
    assert user_scope(ApiToken.authenticate(body["token"])) == (
        _ids(Region, "RU-VGG"),
        _ids(Line, "volgograd-volunteers"),
    )
    listed = api.get("/api/v1/tokens").json()["items"]
    assert {t["name"]: t["regions"] for t in listed}["bot"] == ["RU-VGG"]


def test_an_unlimited_owner_may_hand_out_a_narrow_token(make_user):
    from vmeste.accounts.services import issue_token

    make_user("nat", "supervisor")
    raw = issue_token(username="nat", lines=["volgograd-volunteers"])
    assert user_scope(ApiToken.authenticate(raw)) == (set(), _ids(Line, "volgograd-volunteers"))


def test_a_token_stops_when_its_owner_loses_the_scope_it_was_narrowed_to(make_user):
    from vmeste.accounts.services import issue_token

    user = make_user("op", regions=["RU-VGG", "RU-MOW"])
    raw = issue_token(username="op", regions=["RU-MOW"])
    assert ApiToken.authenticate(raw) is not None
    user.regions.set(Region.objects.filter(code="RU-VGG"))
    # What is left would be empty, and empty means "everything": refuse instead.
    assert ApiToken.authenticate(raw) is None
