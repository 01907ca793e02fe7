"""Which open hours a line's shifts leave uncovered: pure, zones compared on absolute time."""

from datetime import time

from vmeste.launch import coverage


def shift(starts: str, ends: str, weekdays=()) -> dict:
    return {"starts": starts, "ends": ends, "weekdays": list(weekdays)}


def test_shifts_in_another_zone_cover_the_same_absolute_hours():
    hours = (False, time(9), time(21))
    yekaterinburg = [("Asia/Yekaterinburg", shift("11:00", "23:00"))]  # 09–21 in Moscow
    assert coverage.gaps(hours=hours, line_zone="Europe/Moscow", shifts=yekaterinburg) == []
    moscow_hours = [("Europe/Moscow", shift("11:00", "23:00"))]
    assert coverage.gaps(hours=hours, line_zone="Europe/Moscow", shifts=moscow_hours) == [
        "пн 09:00–11:00",
        "вт 09:00–11:00",
        "ср 09:00–11:00",
        "чт 09:00–11:00",
        "пт 09:00–11:00",
        "сб 09:00–11:00",
        "… (+1)",
    ]


def test_a_night_shift_runs_into_the_next_day_and_weekdays_limit_a_shift():
    day = ("Europe/Volgograd", shift("08:00", "22:00"))
    night = ("Europe/Volgograd", shift("22:00", "08:00", weekdays=range(5)))  # Mon–Fri nights
    gaps = coverage.gaps(
        hours=(True, None, None), line_zone="Europe/Volgograd", shifts=[day, night]
    )
    # Friday's night shift covers Saturday morning; Saturday's and Sunday's nights are empty
    # (the week is shown from Monday 00:00, so Sunday's night shows at both of its ends).
    assert gaps == ["пн 00:00–08:00", "сб 22:00–вс 08:00", "вс 22:00–пн 00:00"]


def test_nothing_at_all_says_how_long():
    gaps = coverage.gaps(hours=(True, None, None), line_zone="Europe/Moscow", shifts=[])
    assert gaps == ["пн 00:00–пн 00:00 (168 ч)"]
