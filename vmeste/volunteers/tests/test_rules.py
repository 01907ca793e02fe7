"""The pure modules: workflow table, eligibility, shift times, iCalendar text."""

from datetime import UTC, date, datetime, time

from vmeste.volunteers import rules, schedule


def test_workflow_table():
    assert rules.allowed_targets("applied") == ["left", "rejected", "screening"]
    assert rules.can_move("active", "paused") and rules.can_move("paused", "active")
    assert not rules.can_move("applied", "active")
    assert not rules.can_move("left", "active")


def test_age_limits_and_documents_give_russian_reasons():
    r = rules.Rules(min_age=18, max_age=60, health_document_required=True)
    today = date(2026, 11, 22)
    young = rules.check_eligibility(
        rules=r, birth_date=date(2009, 11, 23), document_valid_until=date(2027, 1, 1), today=today
    )
    assert [x.code for x in young] == ["under_age"]
    assert "18 лет" in young[0].message and "16" in young[0].message
    old = rules.check_eligibility(
        rules=r, birth_date=date(1960, 1, 1), document_valid_until=date(2027, 1, 1), today=today
    )
    assert [x.code for x in old] == ["over_age"]
    expired = rules.check_eligibility(
        rules=r, birth_date=date(1990, 1, 1), document_valid_until=date(2026, 11, 21), today=today
    )
    assert [x.code for x in expired] == ["expired_document"]
    assert "21.11.2026" in expired[0].message
    assert (
        rules.check_eligibility(
            rules=r, birth_date=date(2008, 11, 22), document_valid_until=today, today=today
        )
        == []
    )


def test_expires_soon():
    today = date(2026, 11, 22)
    assert rules.expires_soon(date(2026, 12, 1), today=today, warn_days=14)
    assert not rules.expires_soon(date(2027, 1, 1), today=today, warn_days=14)
    assert not rules.expires_soon(date(2026, 11, 1), today=today, warn_days=14)


def test_night_shift_crosses_midnight_in_volgograd():
    occ = schedule.occurrence(date(2026, 12, 31), time(22), time(8), "Europe/Volgograd")
    assert occ.starts_at == datetime(2026, 12, 31, 19, tzinfo=UTC)
    assert occ.ends_at == datetime(2027, 1, 1, 5, tzinfo=UTC)


def test_local_times_in_yakutia_and_kaliningrad():
    yak = schedule.occurrence(date(2026, 6, 1), time(7, 30), time(11, 30), "Asia/Yakutsk")
    assert yak.starts_at == datetime(2026, 5, 31, 22, 30, tzinfo=UTC)
    kgd = schedule.occurrence(date(2026, 6, 1), time(7, 30), time(11, 30), "Europe/Kaliningrad")
    assert kgd.starts_at == datetime(2026, 6, 1, 5, 30, tzinfo=UTC)
    # No daylight saving in Russia: the same local time is the same UTC time in winter.
    kgd_winter = schedule.occurrence(
        date(2026, 1, 1), time(7, 30), time(11, 30), "Europe/Kaliningrad"
    )
    assert kgd_winter.starts_at.hour == kgd.starts_at.hour


def test_occurrences_on_weekdays_only():
    days = list(
        schedule.occurrences(
            first=date(2026, 11, 23),
            last=date(2026, 11, 29),
            starts=time(8),
            ends=time(12),
            weekdays=[5, 6],
            zone="Europe/Moscow",
        )
    )
    assert [d.local_date.weekday() for d in days] == [5, 6]


def test_overlap_is_half_open():
    a = datetime(2026, 1, 1, 7, 30, tzinfo=UTC)
    b = datetime(2026, 1, 1, 11, 30, tzinfo=UTC)
    c = datetime(2026, 1, 1, 16, tzinfo=UTC)
    assert not schedule.overlaps(a, b, b, c)
    assert schedule.overlaps(a, c, b, c)


def test_ics_is_valid_folded_and_escaped():
    text = schedule.render_ics(
        name="Смены; Иванов",
        events=[
            schedule.CalendarEvent(
                uid="a-1@vmeste",
                starts_at=datetime(2026, 12, 31, 19, tzinfo=UTC),
                ends_at=datetime(2027, 1, 1, 5, tzinfo=UTC),
                summary="Ночная смена, оператор " + "очень длинное название " * 5,
            )
        ],
        now=datetime(2026, 11, 22, tzinfo=UTC),
    )
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20261231T190000Z" in lines and "DTEND:20270101T050000Z" in lines
    assert "X-WR-CALNAME:Смены\\; Иванов" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)
    assert "Ночная смена\\, оператор" in text.replace("\r\n ", "")
