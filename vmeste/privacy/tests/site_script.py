"""Run in a site's own process (see sites.py) under a fixed clock:

    python -m vmeste.privacy.tests.site_script seed
    python -m vmeste.privacy.tests.site_script work HOURS [KILL_AT_COMMIT]
    python -m vmeste.privacy.tests.site_script dump
    python -m vmeste.privacy.tests.site_script counts
    python -m vmeste.privacy.tests.site_script tasks

`work` runs `vmeste worker --once` HOURS after the fixed clock, retention in batches of 3;
with KILL_AT_COMMIT the process SIGKILLs itself when the retention's transaction number
KILL_AT_COMMIT is about to commit, its writes done: a kill -9 in the middle of the job.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

FIXED = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _clock(hours: float) -> None:
    from django.utils import timezone

    moment = FIXED + timedelta(hours=hours)
    timezone.now = lambda: moment


def _killer(at: int):
    from django.db import transaction

    seen = [0]

    class Transactions:
        @staticmethod
        @contextlib.contextmanager
        def atomic(*args, **kwargs):
            with transaction.atomic(*args, **kwargs):
                yield
                seen[0] += 1
                if seen[0] == at:
                    os.kill(os.getpid(), signal.SIGKILL)

    return Transactions


def dump() -> dict:
    from vmeste.assistance.models import Request, RequestEvent
    from vmeste.contacts.models import Contact
    from vmeste.people.models import Person, PersonEvent, PersonPhone

    def rows(model, *fields):
        return [list(r) for r in model.objects.order_by("pk").values_list(*fields)]

    return {
        "contacts": rows(Contact, "pk", "caller_number", "notes", "person_id", "region_id"),
        "requests": rows(Request, "pk", "description", "outcome_note", "person_id", "status"),
        "request_events": rows(RequestEvent, "pk", "text"),
        "persons": [
            [*row[:-1], row[-1] is not None]  # anonymised or not: the time is the run's own
            for row in rows(Person, "pk", "last_name", "address", "region_id", "anonymised_at")
        ],
        "phones": rows(PersonPhone, "pk", "person_id", "e164"),
        "person_events": rows(PersonEvent, "person_id", "kind", "data"),
    }


def counts() -> dict[str, int]:
    """Rows in every table of the database, ours and Django's."""
    from django.db import connection

    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        out = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {q(table)}")
            out[table] = cursor.fetchone()[0]
    return out


def main(argv: list[str]) -> None:
    command = argv[0]
    hours = float(argv[1]) if len(argv) > 1 else 0.0
    _clock(hours)
    import django

    django.setup()
    from django.core.management import call_command

    from vmeste.privacy import retention

    if command == "seed":
        from vmeste.privacy.tests.history import seed

        seed(now=FIXED, persons=24)
    elif command == "work":
        retention.BATCH = 3
        if len(argv) > 2:
            retention.transaction = _killer(int(argv[2]))
        call_command("worker", "--once")
    elif command == "dump":
        print(json.dumps(dump(), default=str, ensure_ascii=False))
    elif command == "counts":
        print(json.dumps(counts()))
    elif command == "tasks":
        from django_tasks_db.models import DBTaskResult

        print(
            json.dumps([[r.args_kwargs["args"][0], r.status] for r in DBTaskResult.objects.all()])
        )


if __name__ == "__main__":
    main(sys.argv[1:])
