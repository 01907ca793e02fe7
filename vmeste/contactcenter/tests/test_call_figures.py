"""One day's calls on the wallboard: answered, abandoned in the queue, abandoned in the voice
menu and served by it — each counted once, in its own column; the service level over the
calls offered to a queue only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from vmeste.contactcenter import services
from vmeste.contactcenter.callevents import record_contact
from vmeste.contactcenter.callfigures import count_calls
from vmeste.contactcenter.calllog import ABANDONED_IN_MENU, SERVED_IN_MENU, CallSummary
from vmeste.contactcenter.models import Call, Queue
from vmeste.core.models import Centre, Line

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)  # 15:00 in Moscow, the national centre's day


def make_day(now: datetime = NOW) -> list[Call]:
    """Eight calls of the day of ``now`` and one of the day before, on the national centre's
    line, each with its Contact (as the telephony's events leave it)."""
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    queue = Queue.objects.create(line=line, code="food", name="Продукты", skill="general")

    def call(n: int, state: str, *, minutes_ago: int = 30, in_queue: bool = True, **fields):
        made = Call.objects.create(
            call_id=f"c{n}", line=line, centre=centre, queue=queue if in_queue else None,
            state=state, offered_at=now - timedelta(minutes=minutes_ago), **fields,
        )  # fmt: skip
        record_contact(call=made, summary=CallSummary())
        return made

    answered = {"answered_at": now - timedelta(minutes=29)}
    return [
        call(1, Call.State.ENDED, answered_within_target=True, **answered),
        call(2, Call.State.ENDED, answered_within_target=True, **answered),
        call(3, Call.State.ENDED, **answered),  # answered, but late
        call(4, Call.State.ABANDONED),  # gone while waiting in the queue
        # gone before choosing a queue
        *(
            call(n, Call.State.ABANDONED, in_queue=False, disposition=ABANDONED_IN_MENU)
            for n in (5, 6)
        ),
        call(7, Call.State.ENDED, in_queue=False, disposition=SERVED_IN_MENU),
        call(8, Call.State.WAITING, minutes_ago=1),
        call(
            9,
            Call.State.ABANDONED,
            minutes_ago=24 * 60,
            in_queue=False,
            disposition=ABANDONED_IN_MENU,
        ),  # the day before
    ]


@pytest.fixture
def day():
    return make_day()


def test_each_call_of_the_day_is_counted_once_in_its_column(day, make_user):
    board = services.wallboard(user=make_user("boss", "supervisor"), now=NOW)
    (line,) = [line for centre in board["centres"] for line in centre["lines"]]
    figures = {k: v for k, v in line.items() if k.endswith("_today") or k == "waiting"}
    assert figures == {
        "waiting": 1,
        "offered_today": 5,  # three answered, one abandoned, one waiting
        "answered_today": 3,
        "answered_within_target_today": 2,
        "abandoned_today": 1,
        "abandoned_in_menu_today": 2,
        "served_in_menu_today": 1,
        "service_level_today": 0.4,  # 2 / 5, not 2 / 8
    }
    assert "голосовом меню" in board["service_level_definition"]


def test_the_published_rule_is_the_wallboards(day):
    """The same function counts a period's calls for the figures page."""
    today = Call.objects.filter(offered_at__gte=NOW - timedelta(hours=12))
    assert count_calls(today) == {
        "offered": 5, "answered": 3, "within_target": 2, "abandoned": 1,
        "abandoned_in_menu": 2, "served_in_menu": 1, "service_level": 0.4,
    }  # fmt: skip
    assert count_calls(Call.objects.none())["service_level"] is None


@pytest.mark.parametrize(
    "url, shown",
    [
        ("/contactcenter/wall/board/", "<b>2</b><span>ушли из меню</span>"),
        # offered, answered, abandoned in the queue, abandoned in the menu
        ("/contactcenter/wallboard/", "<td>5</td><td>3</td><td>1</td><td>2</td>"),
    ],
)
def test_the_wall_shows_the_calls_abandoned_in_the_menu(
    day, client, make_user, monkeypatch, url, shown
):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    cache.clear()
    client.force_login(make_user("boss", "supervisor"))
    assert shown in client.get(url).content.decode()
