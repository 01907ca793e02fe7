"""Concurrent writers on a real PostgreSQL: unique numbers, and no silent overwrite."""

import threading

import pytest
from django.db import connection, connections

from vmeste.assistance import services
from vmeste.assistance.models import Request
from vmeste.core.errors import Conflict
from vmeste.core.models import Category, Line, Region
from vmeste.people.services import PersonInput

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are exercised on PostgreSQL"
    ),
]


def run_together(count: int, work) -> list:
    """Start `count` threads at the same moment; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _data() -> services.RequestInput:
    return services.RequestInput(
        line=Line.objects.get(code="volgograd-volunteers"),
        region=Region.objects.get(code="RU-VGG"),
        category=Category.objects.get(code="groceries"),
        description="Продукты",
    )


def test_simultaneous_registrations_get_distinct_numbers(make_user):
    operator = make_user("op")

    def register(i: int) -> str:
        request = services.register_with_person(
            data=_data(),
            person_data=PersonInput(phone=f"+7927555{i:04d}", last_name="Тест", first_name=str(i)),
            actor=operator,
        )
        return request.number

    numbers = run_together(8, register)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 8
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 9))


def test_two_coordinators_on_one_version_one_wins_one_is_told(make_user):
    operator = make_user("op", "coordinator")
    request = services.register_with_person(
        data=_data(), person_data=PersonInput(phone="+79275550000", last_name="А"), actor=operator
    )

    def move(i: int):
        target = ("triaged", "in_progress")[i]
        return services.transition(
            request_id=request.pk, to=target, actor=operator, expected_version=request.version
        )

    results = run_together(2, move)
    conflicts = [r for r in results if isinstance(r, Conflict)]
    moved = [r for r in results if isinstance(r, Request)]
    assert len(conflicts) == 1 and len(moved) == 1, results
    request.refresh_from_db()
    assert request.status == moved[0].status and request.version == 2
    assert request.events.filter(kind="transition").count() == 1
