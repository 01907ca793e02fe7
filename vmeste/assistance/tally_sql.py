"""The triggers that keep `assistance_requestcount` equal to a GROUP BY over the requests.

Triggers, not service code: a count must stay exact whoever writes (services, the admin, a
data migration, `vmeste generate`). On PostgreSQL, a change of status takes its two counter
rows in one fixed order, so two operators moving requests back and forth between the same
statuses cannot deadlock on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

TRIGGERS = ("assistance_request_tally_write", "assistance_request_tally_move")

_FILL = """
DELETE FROM assistance_requestcount;
INSERT INTO assistance_requestcount (region_id, line_id, status, n)
SELECT region_id, line_id, status, COUNT(*) FROM assistance_request
GROUP BY region_id, line_id, status;
"""

_POSTGRES = """
CREATE FUNCTION assistance_request_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND ROW(NEW.region_id, NEW.line_id, NEW.status) < ROW(OLD.region_id, OLD.line_id, OLD.status)
  THEN
    -- Take the lower key first (the new one here), as the other branch does.
    INSERT INTO assistance_requestcount AS c (region_id, line_id, status, n)
    VALUES (NEW.region_id, NEW.line_id, NEW.status, 1)
    ON CONFLICT (region_id, line_id, status) DO UPDATE SET n = c.n + 1;
    UPDATE assistance_requestcount SET n = n - 1
    WHERE region_id = OLD.region_id AND line_id = OLD.line_id AND status = OLD.status;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE assistance_requestcount SET n = n - 1
    WHERE region_id = OLD.region_id AND line_id = OLD.line_id AND status = OLD.status;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO assistance_requestcount AS c (region_id, line_id, status, n)
    VALUES (NEW.region_id, NEW.line_id, NEW.status, 1)
    ON CONFLICT (region_id, line_id, status) DO UPDATE SET n = c.n + 1;
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
INSERT INTO assistance_requestcount (region_id, line_id, status, n)
VALUES (NEW.region_id, NEW.line_id, NEW.status, 1)
ON CONFLICT (region_id, line_id, status) DO UPDATE SET n = n + 1;
"""
_SQLITE_REMOVE = """
UPDATE assistance_requestcount SET n = n - 1
WHERE region_id = OLD.region_id AND line_id = OLD.line_id AND status = OLD.status;
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
        return [_POSTGRES]
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
            cursor.execute("DROP FUNCTION assistance_request_tally() CASCADE")
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
