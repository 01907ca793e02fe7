"""The indexes a registration writes: a foreign key led by a composite index has none of its
own, and every lookup by it still finds an index that leads with it (both databases)."""

import pytest
from django.db import connection


def _indexed_columns(table: str) -> list[tuple[str, ...]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [tuple(c["columns"]) for c in found.values() if c["index"] or c["unique"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("assistance_request", "person_id"),
        ("assistance_request", "region_id"),
        ("assistance_request", "assignee_id"),
        ("people_person", "region_id"),
        ("people_personphone", "person_id"),
    ],
)
def test_a_foreign_key_led_by_a_composite_index_has_no_index_of_its_own(table, column):
    indexes = _indexed_columns(table)
    assert (column,) not in indexes
    assert any(len(cols) > 1 and cols[0] == column for cols in indexes), indexes
