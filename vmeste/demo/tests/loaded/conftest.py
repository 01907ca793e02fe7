"""The demo as `vmeste loaddemo` loads it, shared by the tests of this package: loaded once
per test process, inside a transaction rolled back after them, so that the rest of the
suite never sees it. The load's start and end are kept in ``LOADED``: its "now" is between
them."""

from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOADED: dict[str, datetime] = {}  # the load's start and end: its "now" is between them


@pytest.fixture(scope="package", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once inside a transaction rolled back after the package's tests;
    what the command printed."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = StringIO()
            LOADED["from"] = timezone.now()
            call_command("loaddemo", "--seed", "7", stdout=out)
            LOADED["to"] = timezone.now()
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
