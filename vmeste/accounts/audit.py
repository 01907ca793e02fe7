"""Writing the audit log of personal-data reads: one INSERT per read.

The channel is not each caller's to remember (a merge over the API was once logged as `web`):
`AuditChannelMiddleware` sets it for every HTTP request from its path, a management command
runs under the default `cli`, and an export says `export` with `channel_as`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from vmeste.accounts.models import AuditEntry

Channel = AuditEntry.Channel
Action = AuditEntry.Action
Purpose = AuditEntry.Purpose

_channel: ContextVar[str] = ContextVar("vmeste_audit_channel", default=Channel.CLI)


def current_channel() -> str:
    return _channel.get()


@contextmanager
def channel_as(name: str) -> Iterator[None]:
    token = _channel.set(name)
    try:
        yield
    finally:
        _channel.reset(token)


class AuditChannelMiddleware:
    """`/api/…` is the API, every other page the web interface."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with channel_as(Channel.API if request.path.startswith("/api/") else Channel.WEB):
            return self.get_response(request)


def with_their_persons(kind: str, rows: Iterable) -> dict[str, list]:
    """What a list of requests or contacts shows: the rows, then the persons they name."""
    rows = list(rows)
    return {kind: [r.pk for r in rows], "person": [r.person_id for r in rows if r.person_id]}


def _records(shown: Mapping[str, Iterable[int | str]]) -> tuple[str, str, str]:
    """(first kind, first id, " kind:id kind:id ") of what was shown."""
    tokens = [f"{kind}:{pk}" for kind, ids in shown.items() for pk in dict.fromkeys(ids)]
    first_kind = next(iter(shown), "")
    first = next((t for t in tokens if t.startswith(f"{first_kind}:")), "")
    return first_kind, first.partition(":")[2], f" {' '.join(tokens)} " if tokens else ""


def record(
    *,
    user,
    action: str,
    purpose: str,
    shown: Mapping[str, Iterable[int | str]],
    detail: str = "",
    channel: str | None = None,
) -> AuditEntry:
    """Write that `user` was shown these records (`{"person": [ids], "request": [ids]}`; the
    first kind is the one looked at). A search that found nothing is written too."""
    kind, first_id, records = _records(shown)
    entry = AuditEntry(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        purpose=purpose,
        object_type=kind,
        object_id=first_id,
        records=records,
        channel=channel or current_channel(),
        detail=detail[:300],
    )
    entry.save()  # one statement: no transaction of its own
    return entry


def rows_writer(kind: str, purpose: str) -> Callable[..., AuditEntry]:
    """The audit writer of an app whose rows each name a person (requests, contacts):
    `write(user=, rows=, action=, detail="")` records the rows, then their persons, with the
    app's purpose, in one INSERT."""

    def write(*, user, rows: Iterable, action: str, detail: str = "") -> AuditEntry:
        shown = with_their_persons(kind, rows)
        return record(user=user, action=action, purpose=purpose, shown=shown, detail=detail)

    return write


def mentioning(kind: str, pk: int | str) -> Q:
    """Entries that showed this record (as the first one or in a list)."""
    return Q(object_type=kind, object_id=str(pk)) | Q(records__contains=f" {kind}:{pk} ")
