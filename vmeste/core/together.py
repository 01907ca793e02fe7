"""Writes sent to the database together: one round trip for several statements.

A «ready» that rings its agent ends with four writes nobody reads an answer of (the call
given, the screen pop's notification, the agent, the agent's timeline), and each waited
for PostgreSQL's answer before the next was sent. On loopback a round trip costs about
0.13 ms, and gathering them changed nothing the bench could see; with the database on
another host each round trip is the network's (2.8 ms in the bench's relay,
``bench/slowlink.py``: a «ready»'s p99 fell by 4–11 ms). psycopg's pipeline mode sends
statements without waiting for the answers of the earlier ones; the answers come back
together at the first statement whose result is read (a ``RETURNING``, a ``SELECT``'s
rows) or at the block's end.

Inside ``together()`` only statements whose answers are not read may come before the
last: Django's ``update()`` and ``save()`` read how many rows they changed, which a
pipeline has not received yet (``-1``, and ``save`` takes that for a row that vanished),
so rows are written here with ``update_row``. An error of any statement of the block is
raised at the end as Django's own (``OperationalError`` for a deadlock, ``IntegrityError``
…), and the transaction is then broken as after any failed statement. Elsewhere than on
PostgreSQL the statements simply run one after the other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from django.db import connection
from django.db.models import Model


@contextlib.contextmanager
def together() -> Iterator[None]:
    """The statements of the block sent without waiting for each other's answers."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        # Outside a transaction each statement commits alone: nothing to gather.
        yield
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


_UPDATES: dict[tuple[type[Model], tuple[str, ...], str], str] = {}


def update_row(row: Model, fields: Sequence[str]) -> None:
    """``UPDATE`` these fields of the row (by primary key), without asking how many rows
    changed: the caller holds the row locked, so it is there. The statement is written
    once per model, fields and database vendor."""
    meta = row._meta
    key = (type(row), tuple(fields), connection.vendor)
    sql = _UPDATES.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in fields)
        sql = _UPDATES[key] = (
            f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"
        )
    values = [
        field.get_db_prep_save(getattr(row, field.attname), connection)
        for field in (meta.get_field(name) for name in fields)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, row.pk])
