"""The employees' shifts: every centre's own staff on the calendar beside the volunteers.

Volunteers mostly collect information and carry deliveries; the calls of every queue are
answered by agents with its skill. So each centre lays shifts of its employees over the
hours of the lines it serves (the national centre a day and a night shift, a regional one
its line's working day), and each shift's crew is picked so that together they hold every
skill the centre's queues ask for that its agents have: the launch checklist's «every queue
staffed every hour of the coming week» then holds whatever the hour the demo is loaded at.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from vmeste.accounts.models import User
from vmeste.contactcenter.models import Agent, Queue
from vmeste.core.models import Centre
from vmeste.volunteers import shifts
from vmeste.volunteers.models import Assignment, Shift

# centre: (name, starts, ends, places) — the employees' shifts the demo lays.
STAFF_SHIFTS: dict[str, list[tuple[str, str, str, int]]] = {
    "national": [
        ("Сотрудники: день 08:00–20:00", "08:00", "20:00", 5),
        ("Сотрудники: ночь 20:00–08:00", "20:00", "08:00", 5),
    ],
    "moscow": [("Сотрудники 07:30–16:00", "07:30", "16:00", 3)],
    "volgograd": [("Сотрудники: день 08:00–22:00", "08:00", "22:00", 3)],
    "tatarstan": [("Сотрудники 09:00–20:00", "09:00", "20:00", 2)],
}


def staff(centre: Centre) -> list[tuple[User, set[str]]]:
    """The centre's employees who answer calls (an agent of the centre), with their skills,
    in a fixed order."""
    agents = Agent.objects.filter(
        centre=centre, user__centre=centre, user__role__in=shifts.EMPLOYEE_ROLES
    ).select_related("user")
    return sorted(((a.user, set(a.skills)) for a in agents), key=lambda p: p[0].username)


def wanted_skills(centre: Centre, people: list[tuple[User, set[str]]]) -> set[str]:
    """The skills the queues of the centre's lines ask for that some employee has."""
    asked = set(
        Queue.objects.filter(line__in=centre.lines.all(), is_active=True).values_list(
            "skill", flat=True
        )
    )
    return asked & set().union(*(skills for _user, skills in people))


def crew(
    people: list[tuple[User, set[str]]], wanted: set[str], places: int, turn: int, busy: set[int]
) -> list[User]:
    """Who stands a shift: from the rota starting at ``turn``, those adding most of the
    wanted skills still missing (people not ``busy`` that day first), then others up to
    ``places``."""
    if not people:
        return []
    start = turn % len(people)
    order = people[start:] + people[:start]
    chosen: list[User] = []
    missing = set(wanted)
    for pool in ([p for p in order if p[0].pk not in busy], [p for p in order if p[0].pk in busy]):
        while missing and pool:
            best = max(pool, key=lambda p: len(p[1] & missing))  # the first of the best
            if not best[1] & missing:
                break
            chosen.append(best[0])
            missing -= best[1]
            pool.remove(best)
    for user, _skills in order:
        if len(chosen) >= places:
            break
        if user not in chosen and user.pk not in busy:
            chosen.append(user)
    return chosen


def create(*, now: datetime, centres: dict[str, Centre], first: date, last: date, place) -> int:
    """Lay and staff the employees' shifts between two local dates; the places written.
    ``place(shift, role, boss, employee=…)`` makes one place as the volunteers' shifts do."""
    count = 0
    for code, plan in STAFF_SHIFTS.items():
        centre = centres[code]
        boss = User.objects.filter(role="supervisor", centre=centre).first() or User.objects.get(
            username="supervisor"
        )
        templates = [
            shifts.create_template(
                centre=centre,
                name=name,
                starts=time.fromisoformat(starts),
                ends=time.fromisoformat(ends),
                headcount={"operator": places},
                actor=boss,
            )
            for name, starts, ends, places in plan
        ]
        shifts.generate(centre=centre, first=first, last=last, actor=boss)
        people = staff(centre)
        wanted = wanted_skills(centre, people)
        busy: dict[date, set[int]] = {}
        rows = []
        laid = Shift.objects.filter(template__in=templates).order_by("starts_at")
        for n, shift in enumerate(laid):
            taken = busy.setdefault(shift.local_date, set())
            day_before = busy.get(shift.local_date - timedelta(days=1), set())
            for user in crew(people, wanted, shift.headcount["operator"], n, taken | day_before):
                taken.add(user.pk)
                rows.append(place(shift, "operator", boss, employee=user))
        Assignment.objects.bulk_create(rows, batch_size=500)
        count += len(rows)
    return count
