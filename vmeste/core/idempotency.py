"""`Idempotency-Key` on every POST: a retried create returns the first answer, never a twin.

The record is claimed (inserted with no status) in the transaction the view then runs in, so
two copies of the same request arriving together cannot both run: the second waits on the
claim's unique key and replays the first one's answer (or, where the claim is visible but not
finished, is told to retry). A key reused with a different body is refused.

Keys belong to the signed-in user (`request.user`, set from the session or, for the API, by
accounts.middleware.BearerTokenMiddleware): a caller who is not signed in any more (a revoked
token, an ended session) gets no replay but the API's 401, and another user's identical key
is another record. Answers are kept IDEMPOTENCY_TTL_HOURS (24 h), then purged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.core.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"


def keep_for() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def _principal(request: HttpRequest) -> str | None:
    """Whose key this is; None for a caller not signed in (nothing is stored or replayed)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return f"user:{user.pk}"


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def _claim(principal: str, key: str, method: str, path: str, body_hash: str) -> int | None:
    """Insert the claim; None when the key is taken. ON CONFLICT instead of catching an
    IntegrityError: no savepoint is needed, and on PostgreSQL a copy in flight is waited for."""
    q = connection.ops.quote_name
    columns = ("principal", "key", "method", "path", "request_hash", "content_type", "body")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(IdempotencyRecord._meta.db_table)}"
            f" ({', '.join(map(q, columns))}, {q('created_at')})"
            f" VALUES (%s, %s, %s, %s, %s, '', %s, %s)"
            f" ON CONFLICT ({q('principal')}, {q('key')}) DO NOTHING RETURNING {q('id')}",
            [principal, key, method, path, body_hash, b"", timezone.now()],
        )
        row = cursor.fetchone()
    return row[0] if row else None


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER, "").strip()
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 200:
            return _error(
                400, "idempotency_key_too_long", _("Ключ идемпотентности длиннее 200 символов.")
            )
        principal = _principal(request)
        if principal is None:
            # The API answers 401 (or a public form answers for itself): nothing to replay.
            return self.get_response(request)
        _forget_expired(principal, key)
        body_hash = hashlib.sha256(request.body).hexdigest()
        # The claim, the work and the stored answer commit together: a crash or an error
        # leaves none of them (the retry then runs for real), and a success leaves all three.
        with transaction.atomic():
            record_id = _claim(principal, key, request.method, request.path, body_hash)
            if record_id is None:
                return self._replay(principal, key, request.path, body_hash)
            response = self.get_response(request)
            if response.status_code >= 500 or transaction.get_rollback():
                # A failure is not an answer to replay (nor is an answer given after the
                # database refused a statement): undo it all and let the client retry.
                transaction.set_rollback(True)
            elif response.streaming:
                # Nothing to replay from; the work itself stands.
                IdempotencyRecord.objects.filter(pk=record_id).delete()
            else:
                IdempotencyRecord.objects.filter(pk=record_id).update(
                    status_code=response.status_code,
                    content_type=response.get("Content-Type", ""),
                    body=response.content,
                )
        return response

    def _replay(self, principal: str, key: str, path: str, body_hash: str) -> HttpResponse:
        record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if record is None:  # expired and purged between the insert and the read
            return _error(409, "idempotency_retry", _("Повторите запрос."))
        if record.path != path or record.request_hash != body_hash:
            return _error(
                422,
                "idempotency_key_reused",
                _("Этот ключ идемпотентности уже использован для другого запроса."),
            )
        if record.status_code is None:
            return _error(
                409,
                "idempotency_in_progress",
                _("Такой же запрос ещё выполняется, повторите позже."),
            )
        response = HttpResponse(
            bytes(record.body), status=record.status_code, content_type=record.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response


def _forget_expired(principal: str, key: str) -> None:
    """A key older than the keeping time is free again, purged or not yet."""
    IdempotencyRecord.objects.filter(
        principal=principal, key=key, created_at__lt=timezone.now() - keep_for()
    ).delete()


def purge_expired(now: datetime) -> int:
    """Delete the answers older than the keeping time; the number deleted."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - keep_for()).delete()
    return deleted
