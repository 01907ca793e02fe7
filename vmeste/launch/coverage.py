"""Which moments a line must answer and which of them its shifts leave uncovered. Pure.

Moments are aware datetimes; a line's hours are in its own zone and each centre's shifts in
the centre's zone, so the comparison is made on absolute time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Span = tuple[datetime, datetime]

# The week a configuration's shift templates are checked on: any week would do, a fixed one
# keeps the check independent of the day it runs (2026-01-05 is a Monday).
REFERENCE_MONDAY = date(2026, 1, 5)
WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def daily(
    first: date,
    days: int,
    starts: time,
    ends: time,
    zone: ZoneInfo,
    weekdays: list[int] | None = None,
) -> list[Span]:
    """Spans of a daily schedule (an end at or before the start is the next day)."""
    spans = []
    for offset in range(-1, days):
        day = first + timedelta(days=offset)
        if weekdays and day.weekday() not in weekdays:
            continue
        end_day = day if ends > starts else day + timedelta(days=1)
        spans.append((_at(day, starts, zone), _at(end_day, ends, zone)))
    return spans


def needed(
    hours: tuple[bool, time | None, time | None], zone: ZoneInfo, first: date, days: int
) -> list[Span]:
    """The moments of `days` days from `first` (in the line's zone) the line is open."""
    window = (_at(first, time.min, zone), _at(first + timedelta(days=days), time.min, zone))
    is_24_7, opens, closes = hours
    if is_24_7 or opens is None or closes is None:
        return [window]
    return clip(daily(first, days, opens, closes, zone), window)


def clip(spans: list[Span], window: Span) -> list[Span]:
    return [
        (max(a, window[0]), min(b, window[1])) for a, b in spans if b > window[0] and a < window[1]
    ]


def uncovered(wanted: list[Span], covering: list[Span]) -> list[Span]:
    """The parts of `wanted` no span of `covering` holds, merged and in order."""
    result = []
    cover = merge(covering)
    for start, end in merge(wanted):
        cursor = start
        for a, b in cover:
            if b <= cursor or a >= end:
                continue
            if a > cursor:
                result.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < end:
            result.append((cursor, end))
    return result


def merge(spans: list[Span]) -> list[Span]:
    merged: list[list[datetime]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def describe(
    spans: list[Span], zone: ZoneInfo, *, limit: int = 6, dated: bool = False
) -> list[str]:
    """ "пн 22:00–вт 08:00" in the line's zone (with dates when `dated`; a span of a day or
    more says how many hours it lasts)."""

    def moment(at: datetime) -> str:
        return (
            f"{WEEKDAYS[at.weekday()]} {at:%d.%m} {at:%H:%M}"
            if dated
            else (f"{WEEKDAYS[at.weekday()]} {at:%H:%M}")
        )

    words = []
    for a, b in spans[:limit]:
        a, b = a.astimezone(zone), b.astimezone(zone)
        end = f"{b:%H:%M}" if a.date() == b.date() else moment(b)
        hours = (b - a).total_seconds() / 3600
        words.append(f"{moment(a)}–{end}" + (f" ({hours:.0f} ч)" if hours >= 24 else ""))
    if len(spans) > limit:
        words.append(f"… (+{len(spans) - limit})")
    return words


def gaps(*, hours, line_zone: str, shifts: list[tuple[str, dict]]) -> list[str]:
    """Uncovered hours of the reference week, given shift templates as (zone, template)."""
    zone = ZoneInfo(line_zone)
    wanted = needed(hours, zone, REFERENCE_MONDAY, 7)
    covering = []
    for shift_zone, template in shifts:
        starts = time.fromisoformat(template["starts"])
        ends = time.fromisoformat(template["ends"])
        covering += daily(
            REFERENCE_MONDAY, 8, starts, ends, ZoneInfo(shift_zone), template["weekdays"]
        )
    return describe(uncovered(wanted, covering), zone)
