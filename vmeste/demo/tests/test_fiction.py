"""The pure parts: fictional phones, people, call moments and request lives."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers

from vmeste.assistance.transitions import TRANSITIONS
from vmeste.demo import fiction, names, timeline

MSK = ZoneInfo("Europe/Moscow")


def test_reserved_phone_blocks_are_valid_mobiles_and_distinct():
    for block in (fiction.DEMO_PERSON_PHONES, fiction.DEMO_CALLER_PHONES, fiction.GENERATED_PHONES):
        for index in (0, 1, block[1] - 1):
            parsed = phonenumbers.parse(fiction.fictional_phone(block, index))
            assert phonenumbers.is_valid_number(parsed)
            assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    persons = {fiction.fictional_phone(fiction.DEMO_PERSON_PHONES, i) for i in range(10_000)}
    callers = {fiction.fictional_phone(fiction.DEMO_CALLER_PHONES, i) for i in range(10_000)}
    assert len(persons) == 10_000 and not persons & callers


def test_female_surnames():
    assert names.female_surname("Иванов") == "Иванова"
    assert names.female_surname("Ильин") == "Ильина"
    assert names.female_surname("Шевченко") == "Шевченко"


def test_people_are_mostly_elderly_and_parents_have_an_ill_child():
    rng, today = random.Random(1), date(2026, 11, 22)
    elderly = [fiction.make_person(rng, region_code="RU-VGG", today=today) for _ in range(500)]
    old = sum((today - p.birth_date).days // 365 >= 60 for p in elderly)
    assert old > 300
    assert all(p.locality in names.LOCALITIES["RU-VGG"] for p in elderly)
    parent = fiction.make_person(rng, region_code="RU-AD", today=today, profile="parent")
    assert "seriously_ill_child" in parent.flags
    assert parent.address.startswith(("ул.", "пр.", "пер."))  # no locality known for RU-AD


def test_moments_follow_the_day_and_the_line_hours():
    rng = random.Random(2)
    end = datetime(2026, 11, 22, 12, tzinfo=UTC)
    start = end - timedelta(days=30)
    moments = [fiction.sample_moment(rng, start=start, end=end, tz=MSK) for _ in range(3000)]
    hours = [m.astimezone(MSK).hour for m in moments]
    assert all(start <= m < end for m in moments)
    assert sum(h < 6 for h in hours) * 3 < sum(10 <= h < 16 for h in hours)
    assert sum(h < 6 for h in hours) > 0  # a 24/7 line still rings at night
    office = [
        fiction.sample_moment(
            rng, start=start, end=end, tz=MSK, opens=time(9), closes=time(21)
        ).astimezone(MSK)
        for _ in range(500)
    ]
    assert all(9 <= m.hour < 21 for m in office)


def test_request_lives_use_allowed_transitions_and_close_with_outcomes():
    rng = random.Random(3)
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    statuses = set()
    for day in range(400):
        created = now - timedelta(hours=day * 1.7 + 0.2)
        life = timeline.live(
            rng,
            created=created,
            due=created + timedelta(hours=48),
            now=now,
            top_category="groceries",
        )
        statuses.add(life.status)
        moves = [s for s in life.steps if s.kind == "transition"]
        previous = "new"
        for move in moves:
            assert (move.from_status, move.to_status) in TRANSITIONS
            assert move.from_status == previous
            assert created < move.at <= now
            previous = move.to_status
        assert previous == life.status
        if life.status == "resolved":
            assert life.helped is not None and life.how and life.resolved_at
        if life.status in ("rejected", "cancelled", "waiting"):
            assert moves[-1].text
    assert statuses >= {"new", "in_progress", "resolved", "cancelled"}


def test_a_request_registered_a_moment_ago_has_no_future_events():
    rng = random.Random(4)
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    for seconds in (5, 30, 90, 200):
        created = now - timedelta(seconds=seconds)
        for _ in range(50):
            life = timeline.live(
                rng, created=created, due=created + timedelta(hours=1), now=now, top_category="x"
            )
            assert all(created <= step.at <= now for step in life.steps if step.kind != "assigned")
