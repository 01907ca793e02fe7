"""One idempotency mechanism for the API and the pages: a retried create returns the first
answer, never a twin. The API sends an `Idempotency-Key` header on a POST
(`IdempotencyMiddleware`); a page puts a one-time key in its form and runs its work through
`once` (the call card: a double click or a replayed form makes one contact, one request).

The record is claimed (inserted with no status) in the transaction the view then runs in, so
two copies of the same request arriving together cannot both run: the second waits on the
claim's unique key and replays the first one's answer (or, where the claim is visible but not
finished, is told to retry). A key reused with a different body is refused.

Keys belong to the signed-in user, on pages and in the API alike (`request.user`, set from the
session or, for the API, by accounts.middleware.BearerTokenMiddleware): a caller who is not
signed in any more (a revoked token, an ended session) gets no replay but the API's 401, and
another user's identical key is another record. Answers are kept IDEMPOTENCY_TTL_HOURS (24 h),
then purged.
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


def principal(request: HttpRequest) -> str | None:
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


def stored(principal: str, key: str) -> IdempotencyRecord | None:
    """The record of this user's key (finished or not), if there is one."""
    return IdempotencyRecord.objects.filter(principal=principal, key=key).first()


def once(
    request: HttpRequest,
    *,
    principal: str,
    key: str,
    work: Callable[[], HttpResponse],
    replay: Callable[[IdempotencyRecord | None], HttpResponse],
    keep_refusals: bool = True,
    body_hash: str = "",
) -> HttpResponse:
    """Run `work` once per (principal, key); a second run answers `replay(the record)`.

    The claim, the work and the stored answer commit together: a crash or an error leaves
    none of them (the retry then runs for real), and a success leaves all three. A refusal
    (4xx) is kept and replayed like any answer, unless `keep_refusals` is off (a page whose
    form comes back with its errors and the same key, to be sent again once corrected).
    `body_hash` is kept for `replay` to compare (the API refuses a key reused for another body;
    a page's key is issued with its form, so it has none).
    """
    _forget_expired(principal, key)
    with transaction.atomic():
        record_id = _claim(principal, key, request.method, request.path, body_hash)
        if record_id is None:
            return replay(stored(principal, key))
        response = work()
        refused = response.status_code >= 400 and not keep_refusals
        if response.status_code >= 500 or refused or transaction.get_rollback():
            # A failure is not an answer to replay (nor is an answer given after the
            # database refused a statement): undo it all and let the client retry.
            transaction.set_rollback(True)
        elif response.streaming:
            # Nothing to replay from; the work itself stands.
            IdempotencyRecord.objects.filter(pk=record_id).delete()
        else:
            # A redirect is kept as where it led (its body is empty).
            body = response["Location"].encode() if response.has_header("Location") else None
            IdempotencyRecord.objects.filter(pk=record_id).update(
                status_code=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=body if body is not None else response.content,
            )
    return response


class IdempotencyMiddleware:
    """The API's side: a POST under /api/ with an `Idempotency-Key` header."""

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
        who = principal(request)
        if who is None:
            # The API answers 401 (or a public form answers for itself): nothing to replay.
            return self.get_response(request)
        body_hash = hashlib.sha256(request.body).hexdigest()
        return once(
            request,
            principal=who,
            key=key,
            work=lambda: self.get_response(request),
            replay=lambda record: _replay(record, request.path, body_hash),
            body_hash=body_hash,
        )


def _replay(record: IdempotencyRecord | None, path: str, body_hash: str) -> HttpResponse:
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
    if 300 <= record.status_code < 400:
        response = HttpResponse(status=record.status_code)
        response["Location"] = bytes(record.body).decode()
    else:
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
