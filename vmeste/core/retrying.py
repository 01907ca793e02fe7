"""A transaction PostgreSQL chose to break a deadlock with, run again.

Two transactions that each wait for a row the other holds are a deadlock; PostgreSQL
finds it after ``deadlock_timeout`` (1 s) and fails one of them (SQLSTATE 40P01) so that
the other goes on. Vmeste's hot paths take their locks in one order where they can
(the free agents by primary key), but a call's event locks its call before its agents
and an agent's event its agents before the call it lets go: a caller hanging up at the
moment their agent's ring runs out is such a pair (seen once in 81,896 events of two
servers, bench_two_servers, 2026-12-06). The failed one had changed nothing (its
transaction was rolled back), so running it again is safe, and by then the other has
committed. PostgreSQL's documentation gives this advice for 40P01 and 40001.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 3
RETRIED_STATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


def broken_by_the_database(error: OperationalError) -> bool:
    """Whether PostgreSQL failed the transaction to let another go on (nothing else)."""
    return getattr(error.__cause__, "sqlstate", None) in RETRIED_STATES


def retried(work: Callable[[], T], *, what: str) -> T:
    """``work`` (a whole transaction: it must begin and end inside) run again when the
    database broke it off to end a deadlock, up to ``ATTEMPTS`` times in all. Inside a
    caller's transaction it runs once: the caller's locks are still held, and only the
    caller can start again."""
    once = connection.in_atomic_block
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return work()
        except OperationalError as error:
            if once or attempt == ATTEMPTS or not broken_by_the_database(error):
                raise
            log.warning("%s: %s; run again (attempt %d)", what, error.__cause__, attempt + 1)
    raise AssertionError("unreachable")
