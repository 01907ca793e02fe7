"""A line's hours are read in the line's own time zone, overnight hours included."""

from datetime import UTC, datetime, time

import pytest

from vmeste.core.models import Line


@pytest.mark.parametrize(
    ("opens", "closes", "utc_hour", "open_"),
    [
        (time(7, 30), time(16, 0), 4, False),  # 07:00 in Moscow
        (time(7, 30), time(16, 0), 5, True),  # 08:00
        (time(7, 30), time(16, 0), 13, False),  # 16:00: closed from then
        (time(22, 0), time(6, 0), 20, True),  # 23:00, open overnight
        (time(22, 0), time(6, 0), 2, True),  # 05:00
        (time(22, 0), time(6, 0), 9, False),  # 12:00
    ],
)
def test_hours_in_the_lines_zone(opens, closes, utc_hour, open_):
    line = Line(code="l", opens_at=opens, closes_at=closes, time_zone="Europe/Moscow")
    assert line.is_open(datetime(2026, 12, 2, utc_hour, tzinfo=UTC)) is open_


def test_a_round_the_clock_line_is_always_open():
    line = Line(code="l", is_24_7=True, opens_at=time(9), closes_at=time(10))
    assert line.is_open(datetime(2026, 12, 2, 3, tzinfo=UTC))
