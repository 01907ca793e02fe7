"""Concurrent writers on a real PostgreSQL: unique numbers, and no silent overwrite."""

import threading

import pytest
from django.db import connection, connections

from vmeste.assistance import services, tally_sql
from vmeste.assistance.models import Request
from vmeste.core.errors import Conflict
from vmeste.core.models import Category, Line, Region
from vmeste.people.models import Person
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
            consent=True,
        ).request
        return request.number

    numbers = run_together(8, register)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 8
    # Consecutive: no registration failed, so none of the numbers taken was skipped.
    taken = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert taken == list(range(taken[0], taken[0] + 8))


def test_two_coordinators_on_one_version_one_wins_one_is_told(make_user):
    operator = make_user("op", "coordinator")
    request = services.register_with_person(
        data=_data(),
        person_data=PersonInput(phone="+79275550000", last_name="А"),
        actor=operator,
        consent=True,
    ).request

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


def test_requests_moved_back_and_forth_at_once_keep_the_tally_exact(make_user):
    """Each status change moves two counter rows; taken in one order they never deadlock."""
    coordinator = make_user("coord", "coordinator")
    made = [
        services.register_with_person(
            data=_data(),
            person_data=PersonInput(phone=f"+7927556{i:04d}"),
            actor=coordinator,
            consent=True,
        ).request
        for i in range(8)
    ]
    for request in made:
        services.transition(request_id=request.pk, to="in_progress", actor=coordinator)
    for request in made[::2]:
        services.transition(request_id=request.pk, to="waiting", actor=coordinator)

    def shuttle(i: int) -> int:
        # The even ones wait and go back to work first, the odd ones the other way round.
        target = ("in_progress", "waiting")[i % 2]
        for _round in range(10):
            services.transition(request_id=made[i].pk, to=target, actor=coordinator)
            target = "in_progress" if target == "waiting" else "waiting"
        return i

    results = run_together(8, shuttle)
    assert results == list(range(8)), results
    assert tally_sql.drift() == {}


def test_the_same_registration_sent_twice_at_once_is_stored_once(make_user):
    """The second copy waits on the first one's claim and replays its answer."""
    import json

    from django.test import Client

    from vmeste.accounts.services import issue_token
    from vmeste.assistance.tests.test_api import VALID

    make_user("op")
    token = issue_token(username="op")

    def post(i: int):
        response = Client().post(
            "/api/v1/requests",
            json.dumps(VALID),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY="call-7-form-1",
        )
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    results = run_together(2, post)
    assert [r[0] for r in results] == [201, 201], results
    assert results[0][1] == results[1][1]
    assert sorted(str(r[2]) for r in results) == ["None", "true"]
    assert Request.objects.count() == 1


def test_one_new_number_registered_by_ten_operators_at_once_is_one_person(make_user):
    """Issue 12, defect 9: without the number's lock each saw no person and made one."""
    operators = [make_user(f"op{i}") for i in range(10)]

    def register(i: int) -> int:
        request = services.register_with_person(
            data=_data(),
            person_data=PersonInput(phone="+79275557777", last_name="Новикова", first_name="Вера"),
            actor=operators[i],
            consent=True,
        ).request
        return request.person_id

    persons = run_together(10, register)
    assert all(isinstance(p, int) for p in persons), persons
    assert len(set(persons)) == 1
    assert Person.objects.filter(phones__e164="+79275557777").count() == 1
    assert Request.objects.filter(person_id=persons[0]).count() == 10
