"""Change stamps: how a server process learns, in one small query, that another process
changed what it keeps in memory (reference data, the contact centre's queues and
centres, who is signed in, what an API token authenticates as).

A stamp is a row of ``core_changestamp`` (a topic and a number). Database triggers on the
watched tables give the topic a new random number in the same transaction as the change,
whoever makes it: a save, a bulk update, a migration, another process, psql. A process
keeps the stamp it read *before* loading its copy and compares it with the current one
(``read``) now and then: equal, the copy is current; different, it loads again.

The number is random rather than counted up: a transaction rolled back and another that
makes the same number of changes would otherwise leave the same number behind with other
rows (tests roll back all the time). A row that is missing (a flushed test database)
is a value too (``None``); the next change writes it again.

Before, each process re-read its copies every few seconds whatever happened, and the
2,000 agents' skills each time the reference copy was renewed: those loads were the
slowest events of the telephony path (its p99).
"""

from __future__ import annotations

from django.db import connection, migrations

from vmeste.core.models import ChangeStamp

REFERENCE = "reference"  # regions, lines, categories, centres, queues
ROSTER = "roster"  # who is signed in, in which centre, with which skills
ACCESS = "access"  # API tokens, their users and both one's scopes

_TABLE = ChangeStamp._meta.db_table
_PG_FUNCTION = "vmeste_stamp_change"


def read(topic: str) -> int | None:
    """The topic's current stamp (None while no change has written one)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stamp FROM {_TABLE} WHERE topic = %s", [topic])
        row = cursor.fetchone()
    return row[0] if row else None


def watch(table: str, topic: str, *, counted: tuple[str, ...] = ()):
    """A migration operation: every insert, update or delete of a row of ``table`` (a
    truncate too, on PostgreSQL) stamps ``topic`` when its transaction commits.
    ``counted``: an update counts only when one of these changes, each a column or an
    expression of the row written with ``{row}`` (``"{row}.state = 'offline'"``); any
    update counts when none is given."""
    name = f"vmeste_stamp_{table}"

    def install(apps, schema_editor) -> None:
        vendor = schema_editor.connection.vendor
        when = _changed(vendor, counted) if counted else None
        for statement in _install_sql(vendor, table, name, topic, when):
            schema_editor.execute(statement)

    def remove(apps, schema_editor) -> None:
        vendor = schema_editor.connection.vendor
        for statement in _remove_sql(vendor, table, name):
            schema_editor.execute(statement)

    return migrations.RunPython(install, remove)


def _changed(vendor: str, counted: tuple[str, ...]) -> str:
    """The condition on ``OLD`` and ``NEW`` that one of ``counted`` changed (NULLs
    compared as values); a bare column name is the row's."""
    distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    parts = [part if "{row}" in part else "{row}." + part for part in counted]
    return " OR ".join(
        f"({part.format(row='OLD')}) {distinct} ({part.format(row='NEW')})" for part in parts
    )


def _upsert(vendor: str, topic: str) -> str:
    fresh = "(random() * 1e15)::bigint" if vendor == "postgresql" else "random()"
    return (
        f"INSERT INTO {_TABLE} (topic, stamp) VALUES ({topic}, {fresh}) "
        "ON CONFLICT (topic) DO UPDATE SET stamp = excluded.stamp"
    )


def _install_sql(vendor: str, table: str, name: str, topic: str, when: str | None) -> list[str]:
    if vendor == "postgresql":
        # Deferred to the commit: the stamp's row is locked only while the transaction
        # commits, after every other lock it takes, so two writers never deadlock on it.
        return [
            f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger AS $$ BEGIN "
            f"{_upsert(vendor, 'TG_ARGV[0]')}; RETURN NULL; END $$ LANGUAGE plpgsql",
            f"CREATE CONSTRAINT TRIGGER {name} AFTER INSERT OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f"EXECUTE FUNCTION {_PG_FUNCTION}('{topic}')",
            f"CREATE CONSTRAINT TRIGGER {name}_update AFTER UPDATE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f"{f'WHEN ({when}) ' if when else ''}EXECUTE FUNCTION {_PG_FUNCTION}('{topic}')",
            f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}('{topic}')",
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {name}_{op.lower()} AFTER {op} ON {table} FOR EACH ROW "
            f"{f'WHEN {when} ' if op == 'UPDATE' and when else ''}"
            f"BEGIN {_upsert(vendor, repr(topic))}; END"
            for op in ("INSERT", "UPDATE", "DELETE")
        ]
    raise NotImplementedError(f"change stamps on {vendor}")


def _remove_sql(vendor: str, table: str, name: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {name}{part} ON {table}"
            for part in ("", "_update", "_truncate")
        ]
    return [f"DROP TRIGGER IF EXISTS {name}_{op}" for op in ("insert", "update", "delete")]
