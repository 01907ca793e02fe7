"""Request numbers: per prefix and year, unique, continuing what was given before."""

import pytest
from django.db import connection

from vmeste.assistance import numbering
from vmeste.assistance.models import NumberSequence
from vmeste.assistance.tests.test_concurrency import run_together

# Years no real registration uses, so these counters are the tests' own.
YEAR = 2097


@pytest.fixture
def fresh_counter(request):
    """A prefix and year with no counter yet; on PostgreSQL its sequence is dropped after."""
    prefix = "T" + request.node.name[-5:].upper().replace("_", "")[:5]
    yield prefix, YEAR
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SEQUENCE IF EXISTS "{numbering._sequence_name(prefix, YEAR)}"')


@pytest.mark.django_db(transaction=True)
def test_numbers_follow_one_another_and_continue_after_a_bulk_load(fresh_counter):
    prefix, year = fresh_counter
    assert numbering.last_given(prefix, year) == 0
    assert numbering.take(prefix, year) == f"{prefix}-{year}-000001"
    assert numbering.take(prefix, year) == f"{prefix}-{year}-000002"
    numbering.continue_after(prefix, year, 500)
    assert numbering.last_given(prefix, year) == 500
    numbering.continue_after(prefix, year, 10)  # never backwards
    assert numbering.take(prefix, year) == f"{prefix}-{year}-000501"
    assert numbering.last_given(prefix, year) == 501


@pytest.mark.django_db(transaction=True)
def test_a_counter_kept_in_the_table_is_where_numbering_continues(fresh_counter):
    """Data from before the sequences (or moved from SQLite) keeps its series."""
    prefix, year = fresh_counter
    NumberSequence.objects.create(prefix=prefix, year=year, last=41)
    assert numbering.last_given(prefix, year) == 41
    assert numbering.take(prefix, year) == f"{prefix}-{year}-000042"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="sequences are PostgreSQL's")
def test_first_numbers_of_a_new_year_taken_at_once_are_one_series(fresh_counter):
    """Eight registrations start a new counter together: one sequence, numbers 1 to 8."""
    from django.db import transaction

    prefix, year = fresh_counter

    def take(_i: int) -> str:
        with transaction.atomic():
            return numbering.take(prefix, year)

    numbers = run_together(8, take)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert sorted(numbers) == [f"{prefix}-{year}-{n:06d}" for n in range(1, 9)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="sequences are PostgreSQL's")
def test_a_counter_created_by_a_registration_that_failed_is_created_again(fresh_counter):
    from django.db import transaction

    prefix, year = fresh_counter
    with pytest.raises(RuntimeError), transaction.atomic():
        numbering.take(prefix, year)
        raise RuntimeError("the registration failed after taking its number")
    assert numbering.take(prefix, year) == f"{prefix}-{year}-000001"
