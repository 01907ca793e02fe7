"""The demo's volunteers and shifts: the Moscow and Volgograd centres as the seeds tell them.

Moscow asks its volunteers to be 18–60 with a valid QR code and runs two shifts (07:30–11:30,
12:00–16:00); Volgograd runs three volunteer shifts of 6–8 people between 08:00 and 22:00 and
a night shift (22:00–08:00) staffed by state employees. About 150 volunteers are spread over
every state of recruitment, with documents (some about to expire, some expired), trainings and
role grants; the shifts run four weeks back and two ahead, the past ones with attendance and
hours. Written directly, like the rest of the demo's history, but each row keeps the rules the
services enforce: only active volunteers with the role hold places, never more people than a
shift needs, nobody on two shifts at once, hours counted as check-out does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from vmeste.accounts.models import User
from vmeste.accounts.roles import Role
from vmeste.core.models import Centre
from vmeste.demo import fiction, rosters
from vmeste.demo.names import FEMALE_NAMES, MALE_NAMES, SURNAMES, female_surname
from vmeste.demo.timeline import paths_from
from vmeste.volunteers import rules, schedule, shifts
from vmeste.volunteers.models import (
    Assignment,
    HealthDocument,
    Requirements,
    RoleGrant,
    Shift,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
    VolunteerEvent,
)
from vmeste.volunteers.services import ensure_account

# How many volunteers each centre has, and the share of each state of recruitment.
HEADS = {"moscow": 90, "volgograd": 60}
STATES: list[tuple[str, float]] = [
    (rules.APPLIED, 0.08),
    (rules.SCREENING, 0.06),
    (rules.TRAINING, 0.08),
    (rules.ACTIVE, 0.62),
    (rules.PAUSED, 0.06),
    (rules.LEFT, 0.05),
    (rules.REJECTED, 0.05),
]
# The path each state took from the application (rejected and left ones stopped on the way).
PATHS = paths_from(
    rules.APPLIED,
    [rules.SCREENING, rules.TRAINING, rules.ACTIVE, rules.PAUSED],
    {rules.LEFT: rules.ACTIVE, rules.REJECTED: rules.SCREENING},
)
DAYS_BACK, DAYS_AHEAD = 28, 14
DEMO_VOLUNTEER_PHONES = (79_000_020_000, 10_000)


@dataclass(frozen=True)
class CentrePlan:
    requirements: dict
    modules: list[tuple[str, str, str, list[str]]]  # code, name, format, roles it is for
    templates: list[tuple[str, str, str, dict]]  # name, starts, ends, headcount
    night: tuple[str, str, str, dict] | None = None  # the employees' shift
    login: str = ""  # the demo volunteer login of the centre


PLANS = {
    "moscow": CentrePlan(
        requirements={
            "min_age": 18,
            "max_age": 60,
            "health_document_required": True,
            "health_document_label": "QR-код",
            "warn_days": 14,
        },
        modules=[
            ("remote-course", "Дистанционный курс оператора", "remote", ["operator"]),
            ("briefing", "Очный инструктаж", "in_person", ["operator", "courier"]),
            ("courier-safety", "Безопасность курьера", "in_person", ["courier"]),
        ],
        templates=[
            ("Утро 07:30–11:30", "07:30", "11:30", {"operator": 6, "courier": 2}),
            ("День 12:00–16:00", "12:00", "16:00", {"operator": 6, "courier": 2}),
        ],
        login="volunteer.msk",
    ),
    "volgograd": CentrePlan(
        requirements={"min_age": 18, "health_document_required": False, "warn_days": 14},
        modules=[
            ("counselling", "Основы консультирования", "remote", ["operator", "psychologist"]),
            ("courier-briefing", "Инструктаж курьера", "in_person", ["courier"]),
        ],
        templates=[
            ("Смена 08:00–12:40", "08:00", "12:40", {"operator": 5, "courier": 2}),
            ("Смена 12:40–17:20", "12:40", "17:20", {"operator": 5, "courier": 2}),
            ("Смена 17:20–22:00", "17:20", "22:00", {"operator": 5, "courier": 1}),
        ],
        night=("Ночь 22:00–08:00 (сотрудники)", "22:00", "08:00", {"operator": 2}),
        login="volunteer.vgg",
    ),
}


def create(
    *, seed: int, now: datetime, centres: dict[str, Centre], users: dict[str, User]
) -> dict[str, int]:
    """Every centre's requirements, trainings, volunteers and shifts; the counts written."""
    rng = random.Random(seed * 31 + 7)
    counts = {"volunteers": 0, "shifts": 0, "shift_places": 0}
    numbering = iter(range(DEMO_VOLUNTEER_PHONES[1]))
    for code, plan in PLANS.items():
        centre = centres[code]
        zone = ZoneInfo(shifts.centre_zone(centre))
        today = timezone.localtime(now, zone).date()
        boss = _supervisor(centre, users)
        Requirements.objects.create(centre=centre, **plan.requirements)
        modules = [
            TrainingModule.objects.create(
                centre=centre, code=c, name=n, format=f, required_for=r, hours=Decimal("3")
            )
            for c, n, f, r in plan.modules
        ]
        people = _volunteers(rng, code, centre, modules, today, zone, boss, numbering, users)
        counts["volunteers"] += len(people)
        for name, starts, ends, headcount in [*plan.templates, *filter(None, [plan.night])]:
            shifts.create_template(
                centre=centre,
                name=name,
                starts=time.fromisoformat(starts),
                ends=time.fromisoformat(ends),
                headcount=headcount,
                actor=boss,
            )
        first, last = today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)
        counts["shifts"] += shifts.generate(centre=centre, first=first, last=last, actor=boss)
        counts["shift_places"] += _staff(rng, centre, plan, people, users, boss, now)
    today = timezone.localtime(now).date()
    counts["shift_places"] += rosters.create(
        now=now,
        centres=centres,
        first=today - timedelta(days=DAYS_BACK),
        last=today + timedelta(days=DAYS_AHEAD),
        place=lambda shift, role, boss, **holder: _place(rng, shift, role, boss, now, **holder),
    )
    return counts


def _supervisor(centre: Centre, users: dict[str, User]) -> User:
    """Who ran the centre's recruitment: its supervisor, else the national one."""
    local = [u for u in users.values() if u.centre_id == centre.pk and u.role == Role.SUPERVISOR]
    return local[0] if local else users["supervisor"]


def _volunteers(rng, code, centre, modules, today, zone, boss, numbering, users) -> list[Volunteer]:
    """The centre's volunteers in every state; the centre's demo login is one of the active."""
    plan = PLANS[code]
    states = rng.choices([s for s, _ in STATES], [w for _, w in STATES], k=HEADS[code])
    states[0] = rules.ACTIVE  # the demo login's own record
    people = []
    for n, state in enumerate(states):
        login = users.get(plan.login) if n == 0 else None
        volunteer = _volunteer(rng, centre, plan, state, today, zone, next(numbering), login)
        _history(rng, volunteer, state, today, zone, boss)
        _documents_and_trainings(rng, volunteer, plan, modules, state, today, boss)
        people.append(volunteer)
    return people


def _volunteer(rng, centre, plan, state, today, zone, index, login) -> Volunteer:
    female = rng.random() < 0.62
    surname = rng.choice(SURNAMES)
    if login is not None:
        first, last = login.first_name, login.last_name
    elif female:
        first, last = rng.choice(FEMALE_NAMES), female_surname(surname)
    else:
        first, last = rng.choice(MALE_NAMES)[0], surname
    oldest = plan.requirements.get("max_age") or 70
    age = rng.randint(18, oldest)
    applied = _local(today - timedelta(days=rng.randint(35, 120)), time(10), zone)
    return Volunteer.objects.create(
        centre=centre,
        user=login,
        last_name=last,
        first_name=first,
        birth_date=today - timedelta(days=age * 365 + rng.randint(30, 330)),
        phone=fiction.fictional_phone(DEMO_VOLUNTEER_PHONES, index),
        email=f"volunteer{index}@demo.invalid",
        district=rng.choice(["Центральный", "Дзержинский", "Советский", "Кировский", ""]),
        wanted_roles=(
            ["operator", "courier"]
            if login is not None
            else rng.choice([["operator"], ["courier"], ["operator", "courier"]])
        ),
        status=state,
        consent_at=applied,
        source=rng.choice(["web", "web", "import"]),
        created_at=applied,
    )


def _history(rng, volunteer: Volunteer, state: str, today: date, zone, boss) -> None:
    """The timeline from the application to today's state, a few days between each step."""
    at = volunteer.created_at
    rows = [VolunteerEvent(volunteer=volunteer, at=at, kind="applied", to_status=rules.APPLIED)]
    frm = rules.APPLIED
    for to in PATHS[state]:
        at += timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 5))
        rows.append(
            VolunteerEvent(
                volunteer=volunteer, at=at, actor=boss, kind="status", from_status=frm, to_status=to
            )
        )
        frm = to
    VolunteerEvent.objects.bulk_create(rows)


def _documents_and_trainings(rng, volunteer, plan, modules, state, today, boss) -> None:
    """A QR code where the centre asks for one (an active volunteer's may expire soon, a paused
    one's may have expired); the trainings their roles need; the roles themselves."""
    if plan.requirements.get("health_document_required") or rng.random() < 0.3:
        if state == rules.PAUSED and rng.random() < 0.5:
            until = today - timedelta(days=rng.randint(1, 20))
        elif state == rules.ACTIVE and rng.random() < 0.12:
            until = today + timedelta(days=rng.randint(1, 13))  # within the warning period
        else:
            until = today + timedelta(days=rng.randint(20, 180))
        HealthDocument.objects.create(
            volunteer=volunteer,
            kind=plan.requirements.get("health_document_label") or "Медицинская справка",
            number=f"QR-{volunteer.phone[-6:]}",
            valid_until=until,
        )
    if state not in (rules.TRAINING, rules.ACTIVE, rules.PAUSED, rules.LEFT):
        return
    roles = volunteer.wanted_roles if state != rules.TRAINING else []
    done = [m for m in modules if set(m.required_for) & set(roles)]
    if state == rules.TRAINING:
        done = modules[: rng.randint(0, len(modules) - 1)]
    on = today - timedelta(days=rng.randint(10, 30))
    TrainingCompletion.objects.bulk_create(
        TrainingCompletion(volunteer=volunteer, module=m, completed_on=on, recorded_by=boss)
        for m in done
    )
    RoleGrant.objects.bulk_create(
        RoleGrant(volunteer=volunteer, role=r, granted_by=boss) for r in roles
    )
    if state in (rules.ACTIVE, rules.PAUSED):
        ensure_account(volunteer=volunteer)  # as activation does


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def _staff(rng, centre, plan, people, users, boss, now) -> int:
    """Places on every shift: volunteers with the role on the day shifts (one shift a day
    each), the centre's employees on the night shift; the past with attendance."""
    active = [v for v in people if v.status == rules.ACTIVE]
    with_role = {
        role: [v for v in active if role in v.wanted_roles] for role in ("operator", "courier")
    }
    login = next((v for v in active if v.user_id and v.user.username == plan.login), None)
    employees = rosters.staff(centre)  # the night: a crew holding the queues' skills
    wanted = rosters.wanted_skills(centre, employees)
    night_name = plan.night[0] if plan.night else None
    busy: dict[date, set[int]] = {}
    places = []
    for shift in Shift.objects.filter(centre=centre).order_by("starts_at"):
        past = shift.ends_at <= now
        fill = rng.uniform(0.75, 1.0) if past else rng.uniform(0.45, 0.95)
        taken = busy.setdefault(shift.local_date, set())
        for role, needed in shift.headcount.items():
            if shift.name == night_name:
                turn = shift.local_date.toordinal()
                for employee in rosters.crew(employees, wanted, needed, turn, set()):
                    places.append(_place(rng, shift, role, boss, now, employee=employee))
                continue
            candidates = [v for v in with_role.get(role, []) if v.pk not in taken]
            rng.shuffle(candidates)
            # The demo login is on every third day's first shift, so that their pages show work.
            if login in candidates and shift.local_date.toordinal() % 3 == 0:
                candidates.remove(login)
                candidates.insert(0, login)
            for volunteer in candidates[: round(needed * fill)]:
                taken.add(volunteer.pk)
                places.append(_place(rng, shift, role, boss, now, volunteer=volunteer))
    Assignment.objects.bulk_create(places, batch_size=500)
    return len(places)


def _place(rng, shift: Shift, role: str, boss, now: datetime, **holder) -> Assignment:
    """A place; a shift begun has its check-in (or a no-show), one ended its check-out."""
    place = Assignment(
        shift=shift,
        role=role,
        assigned_by=boss,
        created_at=shift.starts_at - timedelta(days=rng.randint(2, 10)),
        **holder,
    )
    if shift.starts_at > now or rng.random() < 0.07:  # ahead, or nobody came
        return place
    place.checked_in_at = shift.starts_at - timedelta(minutes=rng.randint(0, 20))
    if shift.ends_at <= now:
        place.checked_out_at = shift.ends_at + timedelta(minutes=rng.randint(0, 15))
        start = max(place.checked_in_at, shift.starts_at)
        end = min(place.checked_out_at, shift.ends_at)
        place.hours = Decimal(str(schedule.hours_between(start, end)))
    return place
