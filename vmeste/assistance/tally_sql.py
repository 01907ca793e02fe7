"""The triggers that keep `assistance_requestcount` equal to a GROUP BY over the requests.

Triggers, not service code: a count must stay exact whoever writes (services, the admin, a
data migration, the benchmarks' `python -m bench.generate`).

On PostgreSQL each (region, line, status) is kept in `SHARDS` rows, and a session adds to the
row of its own shard (its backend's process id modulo `SHARDS`); the count is their sum. With
one row, every registration on a line and region locked the same row until it committed, and
registrations queued behind one another (seen in the load test at 100 a second). A change of
status takes its two rows in one fixed order, so two operators moving requests back and forth
between the same statuses cannot deadlock on them. SQLite has one writer at a time: shard 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import Count, Sum

from vmeste.assistance.models import Request, RequestCount

TRIGGERS = ("assistance_request_tally_write", "assistance_request_tally_move")

SHARDS = 16

_FILL = """
DELETE FROM assistance_requestcount;
INSERT INTO assistance_requestcount (region_id, line_id, status, shard, n)
SELECT region_id, line_id, status, 0, COUNT(*) FROM assistance_request
GROUP BY region_id, line_id, status;
"""

_POSTGRES = """
CREATE FUNCTION assistance_request_tally_add(r bigint, l bigint, s varchar, d integer)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO assistance_requestcount AS c (region_id, line_id, status, shard, n)
  VALUES (r, l, s, pg_backend_pid() % {shards}, d)
  ON CONFLICT (region_id, line_id, status, shard) DO UPDATE SET n = c.n + d;
$$;
CREATE FUNCTION assistance_request_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND ROW(NEW.region_id, NEW.line_id, NEW.status) < ROW(OLD.region_id, OLD.line_id, OLD.status)
  THEN
    -- Take the lower key first (the new one here), as the other branch does.
    PERFORM assistance_request_tally_add(NEW.region_id, NEW.line_id, NEW.status, 1);
    PERFORM assistance_request_tally_add(OLD.region_id, OLD.line_id, OLD.status, -1);
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM assistance_request_tally_add(OLD.region_id, OLD.line_id, OLD.status, -1);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    PERFORM assistance_request_tally_add(NEW.region_id, NEW.line_id, NEW.status, 1);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER assistance_request_tally_write AFTER INSERT OR DELETE ON assistance_request
FOR EACH ROW EXECUTE FUNCTION assistance_request_tally();
CREATE TRIGGER assistance_request_tally_move
AFTER UPDATE OF region_id, line_id, status ON assistance_request FOR EACH ROW
WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id OR OLD.line_id IS DISTINCT FROM NEW.line_id
      OR OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION assistance_request_tally();
"""

_SQLITE_ADD = """
INSERT INTO assistance_requestcount (region_id, line_id, status, shard, n)
VALUES (NEW.region_id, NEW.line_id, NEW.status, 0, 1)
ON CONFLICT (region_id, line_id, status, shard) DO UPDATE SET n = n + 1;
"""
_SQLITE_REMOVE = """
UPDATE assistance_requestcount SET n = n - 1
WHERE region_id = OLD.region_id AND line_id = OLD.line_id AND status = OLD.status AND shard = 0;
"""
# SQLite has one writer at a time, so the order of the two writes does not matter there.
_SQLITE = [
    f"CREATE TRIGGER assistance_request_tally_write AFTER INSERT ON assistance_request"
    f" BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER assistance_request_tally_drop AFTER DELETE ON assistance_request"
    f" BEGIN {_SQLITE_REMOVE} END",
    f"CREATE TRIGGER assistance_request_tally_move"
    f" AFTER UPDATE OF region_id, line_id, status ON assistance_request"
    f" WHEN OLD.region_id IS NOT NEW.region_id OR OLD.line_id IS NOT NEW.line_id"
    f" OR OLD.status IS NOT NEW.status"
    f" BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
]


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [_POSTGRES.replace("{shards}", str(SHARDS))]
    if vendor == "sqlite":
        return _SQLITE
    raise NotImplementedError(f"request tally triggers for {vendor}")


def _fill(cursor) -> None:
    for statement in _FILL.strip().split(";\n"):
        cursor.execute(statement)


def install(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        for statement in _statements(schema_editor.connection.vendor):
            cursor.execute(statement)
        _fill(cursor)


def uninstall(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS assistance_request_tally() CASCADE")
            cursor.execute(
                "DROP FUNCTION IF EXISTS"
                " assistance_request_tally_add(bigint, bigint, varchar, integer)"
            )
        else:
            for name in (*TRIGGERS, "assistance_request_tally_drop"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def rebuild() -> None:
    """Recount from the requests (after a bulk load that paused the triggers)."""
    with connection.cursor() as cursor:
        _fill(cursor)


@contextmanager
def paused_for_bulk_load() -> Iterator[None]:
    """Millions of COPYed rows would each run the trigger: on PostgreSQL switch it off for
    the load (inside the caller's transaction) and recount once at the end."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"ALTER TABLE assistance_request DISABLE TRIGGER {name}")
    yield
    with connection.cursor() as cursor:
        # The load's foreign keys are checked at commit; ALTER TABLE refuses while such
        # checks are pending, so run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for name in TRIGGERS:
            cursor.execute(f"ALTER TABLE assistance_request ENABLE TRIGGER {name}")
    rebuild()


def drift() -> dict[tuple[int, int, str], tuple[int, int]]:
    """Where the kept counts differ from a GROUP BY over the requests:
    {(region_id, line_id, status): (kept, counted)}; empty when they agree."""
    kept = {
        (r["region_id"], r["line_id"], r["status"]): r["n"]
        for r in RequestCount.objects.values("region_id", "line_id", "status").annotate(n=Sum("n"))
    }
    counted = {
        (r["region_id"], r["line_id"], r["status"]): r["n"]
        for r in Request.objects.values("region_id", "line_id", "status").annotate(n=Count("id"))
    }
    return {
        key: (kept.get(key, 0), counted.get(key, 0))
        for key in kept.keys() | counted.keys()
        if kept.get(key, 0) != counted.get(key, 0)
    }
