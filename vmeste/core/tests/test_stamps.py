"""Change stamps (``core.stamps``): a change made where this process's signals do not
hear it (another process, a bulk update, psql) renews the stamp when it commits, and the
snapshots read again; an unchanged snapshot is asked one small question, not read again."""

import pytest
from django.db import connection, transaction

from vmeste.contactcenter import configcache, roster
from vmeste.contactcenter.models import Agent, Queue
from vmeste.core import refcache, stamps
from vmeste.core.models import Centre, Line

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def checked_every_time(monkeypatch):
    monkeypatch.setattr(refcache, "CHECK_SECONDS", 0.0)
    monkeypatch.setattr(roster, "CHECK_SECONDS", 0.0)


def _behind_our_back(sql: str, params: list) -> None:
    """A change this process's signals do not hear, as another process's would be."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_line_renamed_elsewhere_is_seen_at_the_next_check(checked_every_time):
    line = Line.objects.get(code="we-are-together")
    assert refcache.line(line.pk).name_ru == line.name_ru
    before = stamps.read(stamps.REFERENCE)
    _behind_our_back("UPDATE core_line SET name_ru = %s WHERE id = %s", ["Другое", line.pk])
    assert stamps.read(stamps.REFERENCE) != before
    assert refcache.line(line.pk).name_ru == "Другое"


def test_an_unchanged_snapshot_costs_one_small_query(checked_every_time, django_assert_num_queries):
    first = refcache.snapshot()
    with django_assert_num_queries(1):  # the stamp
        assert refcache.snapshot() is first
    with django_assert_num_queries(0):  # within the second, not even that
        refcache.CHECK_SECONDS = 3600.0
        assert refcache.snapshot() is first


def test_a_queue_changed_elsewhere_renews_the_contact_centre_snapshot(checked_every_time):
    centre = Centre.objects.create(code="stamp-c", name_ru="Ц", kind="regional")
    queue = Queue.objects.create(
        line=Line.objects.get(code="we-are-together"), code="stamp-q", name="q", skill="s"
    )
    assert configcache.queue("stamp-q").target_seconds == queue.target_seconds
    _behind_our_back(
        "UPDATE contactcenter_queue SET target_seconds = %s WHERE id = %s",
        [queue.target_seconds + 7, queue.pk],
    )
    assert configcache.queue("stamp-q").target_seconds == queue.target_seconds + 7
    assert configcache.centre("stamp-c").pk == centre.pk


def test_the_roster_stamp_moves_on_a_sign_in_not_on_a_ring(checked_every_time, make_user):
    centre = Centre.objects.create(code="stamp-r", name_ru="Р", kind="regional")
    agent = Agent.objects.create(user=make_user("stamp-agent"), centre=centre, skills={"s": 1})
    assert agent.state == "offline"
    signed = roster.current()
    assert agent.pk not in signed.skills
    at_rest = stamps.read(stamps.ROSTER)
    _behind_our_back("UPDATE contactcenter_agent SET state = 'available' WHERE id = %s", [agent.pk])
    signed_in = stamps.read(stamps.ROSTER)
    assert signed_in != at_rest
    assert roster.current().skills[agent.pk] == (centre.pk, {"s": 1})
    _behind_our_back("UPDATE contactcenter_agent SET state = 'ringing' WHERE id = %s", [agent.pk])
    assert stamps.read(stamps.ROSTER) == signed_in  # a working day's step: no re-read
    _behind_our_back("UPDATE contactcenter_agent SET skills = %s WHERE id = %s",
                     ['{"s": 3}', agent.pk])  # fmt: skip
    assert stamps.read(stamps.ROSTER) != signed_in
    assert roster.current().skills[agent.pk] == (centre.pk, {"s": 3})


def test_a_change_rolled_back_leaves_the_stamp_as_it_was():
    Line.objects.filter(code="we-are-together").update(name_en="Stamped")  # a stamp exists
    before = stamps.read(stamps.REFERENCE)
    with pytest.raises(RuntimeError), transaction.atomic():
        Line.objects.filter(code="we-are-together").update(name_en="Rolled back")
        raise RuntimeError
    assert stamps.read(stamps.REFERENCE) == before
