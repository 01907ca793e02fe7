"""Shift times and the iCalendar feed. Pure: no database, no Django models.

Templates are written in the centre's local time; a shift whose end is at or before its
start ends the next day. Instants are kept in UTC so that a night shift in Yakutia
(UTC+9) and one in Kaliningrad (UTC+2) compare correctly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Occurrence:
    local_date: date
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC


def occurrence(day: date, starts: time, ends: time, zone: str) -> Occurrence:
    tz = ZoneInfo(zone)
    start = datetime.combine(day, starts, tzinfo=tz)
    end_day = day + timedelta(days=1) if ends <= starts else day
    end = datetime.combine(end_day, ends, tzinfo=tz)
    return Occurrence(day, start.astimezone(UTC), end.astimezone(UTC))


def occurrences(
    *, first: date, last: date, starts: time, ends: time, weekdays: Iterable[int], zone: str
) -> Iterator[Occurrence]:
    """Every day from `first` to `last` inclusive on the given weekdays (empty = every day)."""
    days = set(weekdays) or set(range(7))
    day = first
    while day <= last:
        if day.weekday() in days:
            yield occurrence(day, starts, ends, zone)
        day += timedelta(days=1)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: a shift ending at 11:30 does not overlap one starting at 11:30."""
    return a_start < b_end and b_start < a_end


def hours_between(start: datetime, end: datetime) -> float:
    return round(max((end - start).total_seconds(), 0) / 3600, 2)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """RFC 5545: lines longer than 75 octets continue on the next line after a space."""
    out, current = [], ""
    for ch in line:
        limit = 75 if not out else 74
        if len((current + ch).encode()) > limit:
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def render_ics(*, name: str, events: Iterable[CalendarEvent], now: datetime) -> str:
    """A VCALENDAR with one VEVENT per shift; times in UTC so no VTIMEZONE is needed."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Vmeste//Shifts//RU",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(event.starts_at)}",
            f"DTEND:{_stamp(event.ends_at)}",
            f"SUMMARY:{_escape(event.summary)}",
        ]
        if event.location:
            lines.append(f"LOCATION:{_escape(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{_escape(event.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    folded = [part for line in lines for part in _fold(line)]
    return "\r\n".join(folded) + "\r\n"
