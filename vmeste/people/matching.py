"""Who is behind a number: the match a registration makes, inside the caller's scope only.

A match never looks past the caller's regions: a number that also belongs to a person in
another region is, for this caller, a new person of their own region (merging the two is a
supervisor's decision, `merging.merge`). Registrations of one number are serialised, so
that several operators registering the same new number at once make one person.
"""

from __future__ import annotations

import functools

from django.db import connection
from rapidfuzz import fuzz

from vmeste.core.scoping import user_scope
from vmeste.people.models import Person, PersonPhone

# rapidfuzz token ratio of full names, 0–100, from which two names are one person's.
SAME_NAME = 85


def visible_regions(user) -> frozenset[int] | None:
    """The region ids whose persons the user may be matched with; None for every region.

    Nobody signed in (or inactive) sees nothing, as in `core.scoping.scope_filter`. Persons
    have no line: a user limited to lines only sees every region's persons."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    regions, _lines = user_scope(user)
    return frozenset(regions) if regions else None


def names_agree(wanted: str, known: str) -> bool:
    """A name not given, or close enough to the known one: a family sharing a landline has
    several persons behind one number, told apart by name."""
    return not wanted or not known or fuzz.token_sort_ratio(wanted, known) >= SAME_NAME


def short_name(last_name: str, first_name: str) -> str:
    return " ".join(p for p in (last_name, first_name) if p).strip().lower()


def hold_number(e164: str) -> None:
    """Queue registrations of one number behind each other until the holder's transaction
    ends, so that the second sees the person the first made.

    PostgreSQL: a transaction-scoped advisory lock keyed by the number. A unique constraint
    cannot do it (a family shares a number; other regions may hold it too), and the lock
    costs one round trip per registration and waits only for the same number. It is its own
    statement: the match that follows takes its snapshot after the wait, where a lock taken
    inside the match's statement would leave it blind to what committed meanwhile.
    SQLite: nothing to do, every write transaction begins IMMEDIATE (settings), so the match
    already runs under the one writer's lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"person:{e164}"])


def same_person(*, e164: str, last_name: str, first_name: str, user) -> Person | None:
    """The newest person in the user's scope with this number and a compatible name."""
    regions = visible_regions(user)
    if regions is not None and not regions:
        return None
    wanted = short_name(last_name, first_name)
    params = [e164, *sorted(regions or ())]
    for person in Person.objects.raw(_same_number_sql(len(regions or ())), params):
        if names_agree(wanted, short_name(person.last_name, person.first_name)):
            return person
    return None


@functools.cache
def _same_number_sql(regions: int) -> str:
    """Persons with the number, not merged, in `regions` regions (0: all), newest first, at
    most 20, written out: it runs on every registration, and the ORM took ten times longer
    to compose it than the database to run it."""
    q = connection.ops.quote_name
    person, phone = Person._meta, PersonPhone._meta
    in_scope = f" AND p.{q('region_id')} IN ({', '.join(['%s'] * regions)})" if regions else ""
    return (
        f"SELECT p.* FROM {q(person.db_table)} p JOIN {q(phone.db_table)} ph"
        f" ON ph.{q('person_id')} = p.{q('id')}"
        f" WHERE ph.{q('e164')} = %s AND p.{q('merged_into_id')} IS NULL{in_scope}"
        f" ORDER BY p.{q('created_at')} DESC LIMIT 20"
    )
