"""Who is on shift when: the calendar with the places taken per role, the gaps ahead, and
whether a person holds a place at a moment (signing in as an agent, a line's staffing).
Reads only; `shifts.py` writes the shifts and places."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from vmeste.core.models import Centre
from vmeste.volunteers.models import Assignment, Requirements, Shift
from vmeste.volunteers.shifts import CHECK_IN_EARLY, centre_zone


def _zone(centre: Centre) -> ZoneInfo:
    return ZoneInfo(centre_zone(centre))


@dataclass
class ShiftView:
    shift: Shift
    local_start: datetime
    local_end: datetime
    needed: dict[str, int]
    taken: dict[str, int] = field(default_factory=dict)
    people: list[tuple[int, str, str]] = field(default_factory=list)  # (assignment, name, role)

    @property
    def gaps(self) -> dict[str, int]:
        return {
            r: n - self.taken.get(r, 0) for r, n in self.needed.items() if self.taken.get(r, 0) < n
        }

    @property
    def short(self) -> int:
        return sum(self.gaps.values())


def calendar(
    *, centre: Centre, first: date, last: date, with_people: bool = True
) -> list[ShiftView]:
    """The centre's shifts between two local dates, with places taken per role: two queries."""
    tz = _zone(centre)
    shifts = list(
        Shift.objects.filter(centre=centre, local_date__gte=first, local_date__lte=last).order_by(
            "starts_at"
        )
    )
    views = {
        s.pk: ShiftView(
            shift=s,
            local_start=timezone.localtime(s.starts_at, tz),
            local_end=timezone.localtime(s.ends_at, tz),
            needed=dict(s.headcount),
        )
        for s in shifts
    }
    taken: dict[int, Counter] = defaultdict(Counter)
    rows = Assignment.objects.filter(shift_id__in=views.keys())
    if with_people:
        for pk, shift_id, role, last_name, first_name, e_last, e_first in rows.values_list(
            "pk",
            "shift_id",
            "role",
            "volunteer__last_name",
            "volunteer__first_name",
            "employee__last_name",
            "employee__first_name",
        ):
            taken[shift_id][role] += 1
            name = f"{last_name} {first_name}" if last_name else f"{e_last} {e_first}"
            views[shift_id].people.append((pk, name, role))
    else:
        for shift_id, role in rows.values_list("shift_id", "role"):
            taken[shift_id][role] += 1
    for shift_id, counts in taken.items():
        views[shift_id].taken = dict(counts)
    return list(views.values())


def coverage(*, centre: Centre, days: int = 7, today: date | None = None) -> list[ShiftView]:
    """Shifts ahead that still lack people, most short first within each day."""
    today = today or timezone.localdate(timezone.now(), _zone(centre))
    views = calendar(
        centre=centre, first=today, last=today + timedelta(days=days), with_people=False
    )
    now = timezone.now()
    return [v for v in views if v.short and v.shift.ends_at > now]


def on_shift(*, user_id: int, at: datetime) -> bool:
    """Whether the user holds a place on a shift going on at `at` (as a volunteer or as an
    employee); a place counts from an hour before its start, as check-in does."""
    return (
        Assignment.objects.filter(Q(employee_id=user_id) | Q(volunteer__user_id=user_id))
        .filter(shift__starts_at__lte=at + CHECK_IN_EARLY, shift__ends_at__gt=at)
        .exists()
    )


def may_take_calls(*, user_id: int, centre_id: int, at: datetime) -> bool:
    """Whether the user may sign in as an agent of the centre now: always, unless the centre
    takes calls only from the people on its shifts (its requirements say so)."""
    strict = Requirements.objects.filter(centre_id=centre_id, agents_on_shift_only=True)
    return not strict.exists() or on_shift(user_id=user_id, at=at)


def people_on_shift(*, centres: list[Centre], first: datetime, last: datetime):
    """Who is on the calendar between two moments: (starts_at, ends_at, user id) of every
    assignment of a person with a login on a shift of these centres — what a line's
    coverage is counted from."""
    places = Assignment.objects.filter(
        Q(volunteer__user__isnull=False) | Q(employee__isnull=False),
        shift__centre__in=centres,
        shift__starts_at__lt=last,
        shift__ends_at__gt=first,
    )  # a volunteer's place, or an employee's (the night shift): coverage counts both
    return list(
        places.annotate(person=Coalesce("volunteer__user_id", "employee_id")).values_list(
            "shift__starts_at", "shift__ends_at", "person"
        )
    )
