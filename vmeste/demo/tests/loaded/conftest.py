"""The demo as `vmeste loaddemo` loads it, shared by the tests of this package: loaded once
per test process, inside a transaction rolled back after them, so that the rest of the
suite never sees it.

The package runs on a clock set to ``MOMENT`` and ticking from there (time-machine): the
load's "now" is ``MOMENT`` (plus the milliseconds before the command asked), and every test
after it — pages, live-server threads and all: the clock is the process's — sees the same
afternoon, whatever the hour the suite runs at. On the real clock a load just after the
centres' midnight had no call of "today" yet, and one at night had the day lines closed.
The time the code measures still passes (``tick=True``); ``time.monotonic`` and
``perf_counter``, which asyncio, Playwright's waits and timeouts use, are not moved.

PostgreSQL's own clock (``now()``) is not moved: nothing the demo or these tests run asks
the database for the time (every moment is Python's ``timezone.now()``)."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A Wednesday afternoon in Moscow: every demo line is open (the Moscow volunteers' line
# keeps 07:30–16:00, the others 09:00–20:00 or longer, two lines round the clock), the
# day's calls are many, and no line opens or closes while the package runs.
MOMENT = datetime(2026, 11, 18, 14, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture(scope="package", autouse=True)
def clock():
    """The package's clock: ``MOMENT``, then ticking. Given as a timestamp: a zoned moment
    would also set the process's TZ to its zone."""
    with time_machine.travel(MOMENT.timestamp(), tick=True):
        _clear_caches()
        yield
        _clear_caches()


def _clear_caches() -> None:
    """Cache entries expire by the wall clock: one written before the jump back in time
    would look fresh for weeks inside the package, and one written inside it stale or fresh
    at random after it. Each side starts with empty caches."""
    for cache in caches.all():
        cache.clear()


@pytest.fixture(scope="package", autouse=True)
def demo(clock, django_db_setup, django_db_blocker):
    """The demo, loaded once at ``MOMENT`` inside a transaction rolled back after the
    package's tests; what the command printed."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = StringIO()
            call_command("loaddemo", "--seed", "7", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
