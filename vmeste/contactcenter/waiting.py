"""The calls waiting in queues, kept in each server process between dispatches.

Every dispatch, and the check before it (``dispatch.worth_dispatching``), needs the calls
that wait: reading (and locking) 200 rows on every telephony event cost more than the
rest of the event. Each process keeps them as values, by primary key, and asks the
database on each use whether its copy is still right: one aggregate over the waiting
rows (their number, the sum of their ids and the sum of their ``Call.revision``, which
every write of what the dispatch reads raises), compared with the same sums over the
copy. On any difference the copy is read again whole. This process's own writes are put
into the copy at once (``put``, ``drop``), so the next use finds the sums equal unless
another process changed a waiting call meanwhile.

The copy never decides alone: the dispatch locks the calls it gives or offers a callback
with the revision it read, and decides again on a fresh copy if one of them changed. Two
changes whose sums cancel out (one call leaving, another with the same id sum arriving)
would go unseen until the next change: the copy is also re-read at least every
``MAX_AGE_SECONDS``.
"""

from __future__ import annotations

import functools
import threading
import time
from datetime import datetime
from typing import NamedTuple

from django.db import connection

from vmeste.contactcenter import configcache
from vmeste.contactcenter.models import Call

MAX_AGE_SECONDS = 10.0


class Waiting(NamedTuple):
    """A waiting call as the dispatch reads it: values, not a model."""

    pk: int
    call_id: str
    queue_id: int
    centre_id: int | None
    priority: float
    offered_at: datetime
    callback_requested: bool
    callback_offered_at: datetime | None
    requeued_at: datetime | None
    wanted_agent: str
    answered_at: datetime | None
    callback_failed_at: datetime | None
    revision: int


class Group(NamedTuple):
    """The waiting calls of one queue and centre, as ``worth_dispatching`` asks of them."""

    oldest: datetime
    unoffered: datetime | None  # the oldest that may still be offered a callback
    wanted: frozenset[str]  # agents some of them wait for by name


class _Copy:
    def __init__(self, database: tuple, calls: dict[int, Waiting]) -> None:
        self.database, self.calls, self.loaded_at = database, calls, time.monotonic()
        self.sums = (len(calls), sum(calls), sum(c.revision for c in calls.values()))
        self.ordered: list[Waiting] | None = None  # both worked out again after a change
        self.groups: dict[tuple[int, int | None], Group] | None = None

    def change(self, call: Waiting | None, pk: int) -> None:
        old = self.calls.pop(pk, None)
        n, ids, revisions = self.sums
        if old is not None:
            n, ids, revisions = n - 1, ids - pk, revisions - old.revision
        if call is not None:
            self.calls[pk] = call
            n, ids, revisions = n + 1, ids + pk, revisions + call.revision
        self.sums = (n, ids, revisions)
        self.ordered = self.groups = None


_lock = threading.Lock()
_copy: _Copy | None = None


def _database() -> tuple:
    # With the reference snapshot: whatever drops regions and lines (a test's fresh
    # database too, whose new rows may reuse the ids of the last one's) drops the copy.
    reference = configcache.snapshot().reference
    return connection.alias, connection.settings_dict["NAME"], id(reference), reference


def _sums() -> tuple:
    # Written out: asked on every telephony event, the ORM's aggregate() cost more to
    # build than the database to answer (the index on state keeps that cheap).
    with connection.cursor() as cursor:
        cursor.execute(_sums_sql(connection.vendor), [Call.State.WAITING])
        n, ids, revisions = cursor.fetchone()
    return n, ids or 0, revisions or 0


@functools.cache
def _sums_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    column = {
        name: quote(Call._meta.get_field(name).column)
        for name in ("id", "revision", "state", "queue")
    }
    return (
        f"SELECT COUNT(*), SUM({column['id']}), SUM({column['revision']})"
        f" FROM {quote(Call._meta.db_table)}"
        f" WHERE {column['state']} = %s AND {column['queue']} IS NOT NULL"
    )


def _read() -> dict[int, Waiting]:
    rows = Call.objects.filter(state=Call.State.WAITING, queue__isnull=False).values_list(
        *Waiting._fields
    )
    return {row[0]: Waiting(*row) for row in rows}


def _fresh() -> _Copy:
    """The copy, checked against the database (read again when it differs)."""
    global _copy
    database, sums = _database(), _sums()
    copy = _copy
    if (
        copy is None
        or copy.database[:3] != database[:3]
        or copy.sums != sums
        or time.monotonic() - copy.loaded_at > MAX_AGE_SECONDS
    ):
        copy = _Copy(database, _read())
        with _lock:
            _copy = copy
    return copy


def current() -> tuple[list[Waiting], dict[tuple[int, int | None], Group]]:
    """The calls waiting in active queues, first offered first, and their groups by queue
    and centre. Both are shared: not to be modified."""
    copy = _fresh()
    with _lock:
        if copy.ordered is None or copy.groups is None:
            active = configcache.snapshot().rules
            codes = {rule.code for rule in active}
            queues = configcache.snapshot().queues
            ordered = sorted(
                (c for c in copy.calls.values() if _code(queues, c.queue_id) in codes),
                key=lambda c: (c.offered_at, c.pk),
            )
            copy.ordered, copy.groups = ordered, _groups(ordered)
        return copy.ordered, copy.groups


def _code(queues: dict, pk: int) -> str:
    queue = queues.get(pk) or configcache.queue_by_pk(pk)
    return queue.code if queue is not None else ""


def _groups(ordered: list[Waiting]) -> dict[tuple[int, int | None], Group]:
    groups: dict[tuple[int, int | None], Group] = {}
    for call in ordered:  # oldest first: the first of a group is its oldest
        key = (call.queue_id, call.centre_id)
        group = groups.get(key)
        may_offer = (
            call.callback_offered_at is None
            and not call.callback_requested
            and call.requeued_at is None
        )
        if group is None:
            group = Group(call.offered_at, None, frozenset())
        if may_offer and group.unoffered is None:
            group = group._replace(unoffered=call.offered_at)
        if call.wanted_agent:
            group = group._replace(wanted=group.wanted | {call.wanted_agent})
        groups[key] = group
    return groups


def of(call: Call) -> Waiting:
    return Waiting(*(getattr(call, name) for name in Waiting._fields))


def put(call: Waiting) -> None:
    """This process wrote the call waiting as given: the copy has it too."""
    _change(call, call.pk)


def drop(pk: int) -> None:
    """This process wrote the call out of waiting."""
    _change(None, pk)


def note(call: Call) -> None:
    """This process wrote the call's row as ``call`` holds it."""
    waits = call.state == Call.State.WAITING and call.queue_id is not None
    _change(of(call) if waits else None, call.pk)


def _change(call: Waiting | None, pk: int) -> None:
    with _lock:
        if _copy is not None and _copy.database[:3] == _database()[:3]:
            _copy.change(call, pk)


def clear() -> None:
    global _copy
    with _lock:
        _copy = None
