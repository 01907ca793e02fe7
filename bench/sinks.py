"""Writing many rows fast: COPY on PostgreSQL, bulk_create in large batches elsewhere.

A sink takes rows as tuples of column values for the fields a generator knows about; every
other column of the table gets its field's default, so a field added to a model later does
not break the generator as long as it has a default or accepts NULL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from itertools import islice

from django.db import connection, models
from django.utils import timezone

Progress = Callable[[str, int], None]


def _defaults(model: type[models.Model], given: list[str]) -> tuple[list[str], tuple]:
    """The other concrete columns and the constant value each gets."""
    now = timezone.now()
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.attname in given:
            continue
        if field.primary_key:
            raise ValueError(f"{model.__name__}: the primary key must be given")
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()  # the default, "" for text, None otherwise
            if value is None and not field.null:
                raise ValueError(f"{model.__name__}.{field.name} needs a value")
        names.append(field.attname)
        values.append(value)
    return names, tuple(values)


class Sink:
    """Write rows into a model's table in batches; report progress every batch."""

    def __init__(self, *, batch: int = 50_000, progress: Progress | None = None):
        self.batch = batch
        self.progress = progress or (lambda label, done: None)

    def write(
        self,
        model: type[models.Model],
        fields: list[str],
        rows: Iterable[tuple],
        *,
        expected: int = 0,
    ) -> int:
        """Write `rows` (about `expected` of them, when known) into `model`'s table."""
        extra_names, extra_values = _defaults(model, fields)
        names = fields + extra_names
        done = 0
        self.progress(model._meta.model_name, done)
        iterator = iter(rows)
        while chunk := list(islice(iterator, self.batch)):
            self._write_chunk(model, names, [row + extra_values for row in chunk])
            done += len(chunk)
            self.progress(model._meta.model_name, done)
        return done

    def _write_chunk(self, model, names: list[str], rows: list[tuple]) -> None:
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=2000)

    def finish(self, models_written: list[type[models.Model]]) -> None:
        """Keep each table's id sequence ahead of the explicit ids written."""

    def settle(self, models_written: list[type[models.Model]]) -> None:
        """After the load has committed: whatever makes the tables fast to read."""


class PostgresCopySink(Sink):
    # From this many rows on, a table's secondary indexes are dropped before the load and
    # built again after it: one sorted build is many times faster than millions of inserts
    # into each of a dozen and more B-trees. All in the caller's transaction: a failure
    # leaves the indexes as they were.
    REBUILD_INDEXES_FROM = 200_000

    def write(self, model, fields, rows, *, expected: int = 0) -> int:
        if expected < self.REBUILD_INDEXES_FROM:
            return super().write(model, fields, rows, expected=expected)
        definitions = self._drop_secondary_indexes(model)
        written = super().write(model, fields, rows, expected=expected)
        with connection.cursor() as cursor:
            # Django's foreign keys are checked at commit; an index cannot be built on a table
            # with checks pending, so run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for name, definition in definitions:
                cursor.execute(definition)
                self.progress(f"{model._meta.model_name} index {name}", written)
        return written

    def _drop_secondary_indexes(self, model) -> list[tuple[str, str]]:
        """Indexes that back no constraint (primary key and unique constraints stay)."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = current_schema() AND tablename = %s AND indexname NOT IN"
                " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, connection.ops.quote_name(table)],
            )
            definitions = cursor.fetchall()
            for name, _definition in definitions:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return definitions

    def _write_chunk(self, model, names: list[str], rows: list[tuple]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        columns = ", ".join(connection.ops.quote_name(fields[n].column) for n in names)
        table = connection.ops.quote_name(model._meta.db_table)
        json_at = [i for i, n in enumerate(names) if isinstance(fields[n], models.JSONField)]
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                if json_at:
                    row = _json_row(row, json_at)
                copy.write_row(row)

    def finish(self, models_written: list[type[models.Model]]) -> None:
        with connection.cursor() as cursor:
            for model in models_written:
                table = model._meta.db_table
                pk = model._meta.pk.column
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s),"
                    f" COALESCE((SELECT MAX({pk}) FROM {connection.ops.quote_name(table)}), 1))",
                    [table, pk],
                )

    def settle(self, models_written: list[type[models.Model]]) -> None:
        """After the commit: VACUUM (ANALYZE). Rows just COPYed are not yet marked visible
        to all, so an index-only scan must visit the table for each of them: counting the
        overdue requests of a freshly generated database took 2.9 s instead of tens of ms,
        until autovacuum got round to it. A database that has lived has been vacuumed.
        Inside a caller's transaction (tests) nothing has committed yet: left to autovacuum."""
        if connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            for model in models_written:
                cursor.execute(
                    f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}"
                )


def _json_row(row: tuple, positions: list[int]) -> tuple:
    values = list(row)
    for i in positions:
        values[i] = json.dumps(values[i], ensure_ascii=False)
    return tuple(values)


def sink_for_connection(*, batch: int, progress: Progress | None) -> Sink:
    if connection.vendor == "postgresql":
        return PostgresCopySink(batch=batch, progress=progress)
    return Sink(batch=batch, progress=progress)


def next_id(model: type[models.Model]) -> int:
    found = model.objects.aggregate(top=models.Max("pk"))["top"]
    return (found or 0) + 1
