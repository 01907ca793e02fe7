"""Idempotency-Key: what is stored for a replay, and what is not."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.test import RequestFactory

from vmeste.core.idempotency import IdempotencyMiddleware
from vmeste.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def _post(view, key: str = "k-1"):
    request = RequestFactory().post(
        "/api/v1/anything", data=b"{}", content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip
    return IdempotencyMiddleware(view)(request)


def test_an_answer_is_stored_and_replayed():
    calls = []

    def view(request):
        calls.append(1)
        return JsonResponse({"n": len(calls)}, status=201)

    assert _post(view).status_code == 201
    replay = _post(view)
    assert replay["Idempotent-Replayed"] == "true" and replay.content == b'{"n": 1}'
    assert len(calls) == 1


def test_an_answer_given_after_the_database_refused_a_statement_is_not_stored():
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

    assert _post(view).status_code == 422
    assert not IdempotencyRecord.objects.exists()
    assert _post(view).status_code == 422
    assert len(calls) == 2
