"""A transaction PostgreSQL broke off to end a deadlock runs again (``core.retrying``)."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, transaction

from vmeste.core.models import ChangeStamp
from vmeste.core.retrying import broken_by_the_database, retried


class _Cause(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _error(sqlstate: str) -> OperationalError:
    error = OperationalError("broken")
    error.__cause__ = _Cause(sqlstate)
    return error


def test_only_a_deadlock_or_a_serialization_failure_is_run_again():
    assert broken_by_the_database(_error("40P01")) and broken_by_the_database(_error("40001"))
    assert not broken_by_the_database(_error("57014"))  # a statement cancelled: not ours
    assert not broken_by_the_database(OperationalError("no cause"))
    tries = []

    def lock_timeout() -> None:
        tries.append(1)
        raise _error("55P03")

    with pytest.raises(OperationalError):
        retried(lock_timeout, what="test")
    assert len(tries) == 1


@pytest.mark.django_db
def test_inside_a_callers_transaction_it_runs_once():
    tries = []

    def deadlocked() -> None:
        tries.append(1)
        raise _error("40P01")

    with pytest.raises(OperationalError):
        retried(deadlocked, what="test")  # the test's own transaction is around it
    assert len(tries) == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_between_two_transactions_ends_with_both_done():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and deadlock detection are PostgreSQL's")
    for topic in ("a", "b"):
        ChangeStamp.objects.update_or_create(topic=topic, defaults={"stamp": 0})
    both_hold_one = threading.Barrier(2, timeout=30)
    attempts = {"a": 0, "b": 0}
    errors: list[BaseException] = []

    def worker(first: str, second: str) -> None:
        def work() -> None:
            attempts[first] += 1
            with transaction.atomic():
                ChangeStamp.objects.select_for_update().get(topic=first)
                if attempts[first] == 1:
                    both_hold_one.wait()  # each holds one row, then asks for the other's
                ChangeStamp.objects.select_for_update().get(topic=second)
                ChangeStamp.objects.filter(topic=second).update(stamp=ord(first))

        try:
            retried(work, what="test")
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=pair) for pair in (("a", "b"), ("b", "a"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    # PostgreSQL broke one off; it ran again after the other had committed
    assert sorted(attempts.values()) == [1, 2]
    written = dict(ChangeStamp.objects.filter(topic__in=("a", "b")).values_list("topic", "stamp"))
    assert written == {"a": ord("b"), "b": ord("a")}  # each wrote the other's row
