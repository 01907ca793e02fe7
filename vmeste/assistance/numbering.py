"""Request numbers: VGG-2026-000123, one counter per prefix and year.

On PostgreSQL each counter is a database sequence. A counter row updated by every
registration stays locked until that registration commits, so all registrations of a busy
line queued on it one behind the other (seen in the load test: hundreds of sessions waiting
on the one row, seconds per registration). `nextval` takes no lock that lasts past the
statement. The price: a number taken by a registration that then fails is not given again,
so numbers are unique and increasing but may skip; nobody reads a gap as a lost request,
because a request only exists once it has committed.

On SQLite, which runs one writer at a time anyway, the counter is the `NumberSequence` row.
A row from before the sequences (or from SQLite-era data) is where a new sequence starts.
"""

from __future__ import annotations

from django.db import connection

from vmeste.assistance.models import NumberSequence


def format_number(prefix: str, year: int, n: int) -> str:
    return f"{prefix}-{year}-{n:06d}"


def take(prefix: str, year: int) -> str:
    """The next number for this prefix and year, inside the caller's transaction."""
    if connection.vendor == "postgresql":
        name = _sequence_name(prefix, year)
        with connection.cursor() as cursor:
            # NULL rather than an error when the sequence is missing (nextval is strict): an
            # error would abort the caller's transaction.
            cursor.execute("SELECT nextval(to_regclass(%s))", [name])
            n = cursor.fetchone()[0]
            if n is None:
                _create_sequence(prefix, year)
                cursor.execute("SELECT nextval(%s::regclass)", [name])
                n = cursor.fetchone()[0]
        return format_number(prefix, year, n)
    return format_number(prefix, year, _take_from_row(prefix, year))


def last_given(prefix: str, year: int) -> int:
    """The highest number handed out so far (0 when none)."""
    if connection.vendor == "postgresql":
        name = _sequence_name(prefix, year)
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is None:
                return _row_last(prefix, year)
            cursor.execute(f'SELECT last_value, is_called FROM "{name}"')
            value, called = cursor.fetchone()
            return value if called else value - 1
    return _row_last(prefix, year)


def continue_after(prefix: str, year: int, last: int) -> None:
    """After a bulk load that wrote numbers itself: the next number given is above `last`."""
    if connection.vendor == "postgresql":
        name = _create_sequence(prefix, year)
        if last > last_given(prefix, year):
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(%s::regclass, %s)", [name, last])
        return
    row, _created = NumberSequence.objects.get_or_create(prefix=prefix, year=year)
    if row.last < last:
        NumberSequence.objects.filter(pk=row.pk).update(last=last)


def _sequence_name(prefix: str, year: int) -> str:
    # Hex keeps any prefix a plain identifier: `assistance_number_2026_564747`.
    return f"assistance_number_{year}_{prefix.encode().hex()}"


def _create_sequence(prefix: str, year: int) -> str:
    """The counter's sequence, created when missing; its name."""
    name = _sequence_name(prefix, year)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is None:
            # Two first registrations of a new year must not both create it: the second
            # waits here until the first commits (or rolls back). `IF NOT EXISTS` then looks
            # at the catalogue afresh (a second `to_regclass` may answer from this session's
            # cache, which an advisory lock does not refresh).
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
            start = _row_last(prefix, year) + 1
            cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" START WITH {int(start)}')
    return name


def _row_last(prefix: str, year: int) -> int:
    row = NumberSequence.objects.filter(prefix=prefix, year=year).values_list("last").first()
    return row[0] if row else 0


def _take_from_row(prefix: str, year: int) -> int:
    table = NumberSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE prefix = %s AND year = %s RETURNING last",
            [prefix, year],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    sequence, _created = NumberSequence.objects.select_for_update().get_or_create(
        prefix=prefix, year=year
    )
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last
