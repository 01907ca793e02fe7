"""Idempotency-Key: what is stored for a replay, and what is not."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from vmeste.accounts.models import ApiToken
from vmeste.accounts.services import revoke_token
from vmeste.core.idempotency import IdempotencyMiddleware
from vmeste.core.models import IdempotencyRecord
from vmeste.core.services import purge_expired_idempotency

pytestmark = pytest.mark.django_db


@pytest.fixture
def someone(make_user):
    return make_user("someone")


def _post(view, key: str = "k-1", user=None):
    request = RequestFactory().post(
        "/api/v1/anything", data=b"{}", content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip
    request.user = user or AnonymousUser()
    return IdempotencyMiddleware(view)(request)


def test_an_answer_is_stored_and_replayed(someone):
    calls = []

    def view(request):
        calls.append(1)
        return JsonResponse({"n": len(calls)}, status=201)

    assert _post(view, user=someone).status_code == 201
    replay = _post(view, user=someone)
    assert replay["Idempotent-Replayed"] == "true" and replay.content == b'{"n": 1}'
    assert len(calls) == 1


def test_an_answer_given_after_the_database_refused_a_statement_is_not_stored(someone):
    """A view whose writes need no savepoint (`atomic(savepoint=False)`) may answer a 4xx
    after the database refused one of them; the claim goes with the undone work, and the
    retry runs for real instead of failing on a broken transaction."""
    calls = []

    def view(request):
        calls.append(1)
        try:
            with transaction.atomic(savepoint=False), connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table_here")
        except DatabaseError:
            return JsonResponse({"error": "refused"}, status=422)
        return JsonResponse({}, status=201)

    assert _post(view, user=someone).status_code == 422
    assert not IdempotencyRecord.objects.exists()
    assert _post(view, user=someone).status_code == 422
    assert len(calls) == 2


# --- Defect 4: replay only after authentication, only to the same user, for a limited time.

REQUEST = {
    "line": "volgograd-volunteers", "region": "RU-VGG", "category": "groceries-delivery",
    "description": "Нужны продукты.", "consent": True,
    "person": {"last_name": "Петрова", "first_name": "Анна", "phone": "89275551234"},
}  # fmt: skip


def _register(client: Client, key: str, **auth):
    return client.post(
        "/api/v1/requests", json.dumps(REQUEST), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key, **auth,
    )  # fmt: skip


def test_a_revoked_token_gets_no_replay(make_user):
    user = make_user("op", regions=["RU-VGG"])
    token, raw = ApiToken.issue(user=user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert _register(Client(), "k-1", **auth).status_code == 201
    revoke_token(user=user, token_id=token.pk)
    replay = _register(Client(), "k-1", **auth)
    assert replay.status_code == 401
    assert "Петрова" not in replay.content.decode()


def test_an_ended_session_gets_no_replay(make_user):
    client = Client()
    client.force_login(make_user("op", regions=["RU-VGG"]))
    old_cookie = client.cookies["sessionid"].value
    assert _register(client, "k-1").status_code == 201
    client.logout()
    thief = Client()
    thief.cookies["sessionid"] = old_cookie
    replay = _register(thief, "k-1")
    assert replay.status_code == 401
    assert "Петрова" not in replay.content.decode()


def test_another_users_identical_key_is_not_replayed(api_as):
    first = api_as("operator", regions=["RU-VGG"])
    second = api_as("operator", regions=["RU-VGG"])
    mine = first.post("/api/v1/requests", REQUEST, headers={"Idempotency-Key": "k-1"})
    theirs = second.post("/api/v1/requests", REQUEST, headers={"Idempotency-Key": "k-1"})
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert mine.json()["id"] != theirs.json()["id"]
    # The same user through a session is the same principal: the token's answer replays.
    session = Client()
    session.force_login(first.user)
    again = _register(session, "k-1")
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == mine.json()["id"]


def test_an_anonymous_post_stores_nothing(client):
    assert _register(client, "k-1").status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_answers_expire_and_are_purged(someone, settings, capsys):
    settings.IDEMPOTENCY_TTL_HOURS = 24
    calls = []

    def view(request):
        calls.append(1)
        return JsonResponse({"n": len(calls)}, status=201)

    _post(view, key="old", user=someone)
    _post(view, key="fresh", user=someone)
    now = timezone.now()
    IdempotencyRecord.objects.filter(key="old").update(created_at=now - timedelta(hours=25))
    IdempotencyRecord.objects.filter(key="fresh").update(created_at=now - timedelta(hours=23))
    # An expired answer is not replayed: the POST runs again and its answer is kept anew.
    assert _post(view, key="old", user=someone).content == b'{"n": 3}'
    IdempotencyRecord.objects.filter(key="old").update(created_at=now - timedelta(hours=25))
    assert purge_expired_idempotency(now) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert purge_expired_idempotency(now + timedelta(hours=2)) == 1
    _post(view, key="again", user=someone)
    IdempotencyRecord.objects.update(created_at=now - timedelta(days=3))
    capsys.readouterr()
    call_command("purge-idempotency")
    assert capsys.readouterr().out.strip() == "1"
    assert not IdempotencyRecord.objects.exists()


def test_the_public_form_ledger_is_purged_after_a_day():
    from vmeste.core import public_forms
    from vmeste.core.models import FormSubmission
    from vmeste.core.services import purge_expired_form_submissions

    now = timezone.now()
    public_forms.record_submission(form="f", client="c", token="old", now=now - timedelta(days=2))
    public_forms.record_submission(form="f", client="c", token="new", now=now)
    assert purge_expired_form_submissions(now) == 1
    assert FormSubmission.objects.count() == 1
