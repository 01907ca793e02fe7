"""Volunteers and deliveries: the dispatch board and the shift calendar under load.

A throwaway database (Django's test database for whatever VMESTE_DATABASE_URL names:
SQLite by default, PostgreSQL when set) is filled with
  * a regional centre with 1,000 couriers (active volunteers with the courier role, spread
    over 20 districts) and 5,000 open deliveries (each from its own request), a fifth of
    them already with a courier so that loads differ;
  * a 500-volunteer centre with the Volgograd day (3 shifts) and night shift for a month,
    every shift filled to 6–8 people;
then the two API reads are timed through Django's full request stack:
  GET /api/v1/deliveries/board?centre=…   and   GET /api/v1/shifts?centre=…&first=…&last=…
Quick mode uses a tenth of the sizes.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from datetime import time as dtime

TARGETS = {"board_p95_ms": 200.0, "calendar_p95_ms": 200.0}


def _django():
    os.environ.setdefault("VMESTE_DATA_DIR", tempfile.mkdtemp(prefix="vm_bench_volunteers_"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vmeste.settings")
    import django

    django.setup()


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def _time(client, path: str, params: dict, headers: dict, repeat: int) -> dict:
    client.get(path, params, **headers)  # warm caches and connections
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, params, **headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
    return {
        "p50_ms": _p(samples, 0.5),
        "p95_ms": _p(samples, 0.95),
        "max_ms": round(max(samples), 1),
        "requests": repeat,
        "bytes": len(response.content),
    }


def _fill_deliveries(couriers: int, deliveries: int, rng: random.Random):
    from django.utils import timezone

    from vmeste.accounts.models import User
    from vmeste.accounts.roles import Role
    from vmeste.assistance.models import Request
    from vmeste.core.models import Category, Centre, Line, Region
    from vmeste.deliveries.models import Delivery
    from vmeste.people.models import Person
    from vmeste.volunteers.models import RoleGrant, Volunteer

    region = Region.objects.get(code="RU-VGG")
    centre = Centre.objects.create(
        code="bench-vgg", name_ru="Бенч Волгоград", kind="regional", region=region
    )
    districts = [f"Район {n}" for n in range(20)]
    now = timezone.now()
    users = User.objects.bulk_create(
        User(username=f"bench-courier-{n}", first_name="Курьер", last_name=f"№{n}",
             role=Role.VOLUNTEER, centre=centre, password="!")
        for n in range(couriers)
    )  # fmt: skip
    volunteers = Volunteer.objects.bulk_create(
        Volunteer(centre=centre, user=u, last_name=u.last_name, first_name=u.first_name,
                  birth_date=date(1990, 1, 1), phone=f"+7927{n:07d}", status="active",
                  district=districts[n % len(districts)], consent_at=now,
                  calendar_token=f"bench-c-{n}")
        for n, u in enumerate(users)
    )  # fmt: skip
    RoleGrant.objects.bulk_create(RoleGrant(volunteer=v, role="courier") for v in volunteers)
    category = Category.objects.get(code="groceries")
    line = Line.objects.get(code="volgograd-volunteers")
    persons = Person.objects.bulk_create(
        Person(first_name="Получатель", region=region) for _ in range(deliveries)
    )
    requests = Request.objects.bulk_create(
        Request(number=f"B-{n:07d}", person=p, line=line, region=region, category=category,
                description="Продукты", status="in_progress", due_at=now + timedelta(days=1))
        for n, p in enumerate(persons)
    )  # fmt: skip
    rows = []
    for n, request in enumerate(requests):
        carried = rng.random() < 0.2
        start = now + timedelta(minutes=rng.randint(-600, 2000))
        rows.append(
            Delivery(
                request=request, centre=centre, region=region,
                district=rng.choice(districts), address=f"ул. Бенч, {n}",
                recipient_first_name="Мария", recipient_phone="+79275550011",
                items=[{"name": "Хлеб", "qty": "1"}], window_start=start,
                window_end=start + timedelta(hours=3), payer="recipient",
                payment_method="cash", priority=rng.choice([0, 0, 0, 1, 2]),
                status="assigned" if carried else "new",
                courier=rng.choice(users) if carried else None,
            )
        )  # fmt: skip
    Delivery.objects.bulk_create(rows, batch_size=1000)
    return centre


def _fill_calendar(volunteers: int, first: date, rng: random.Random):
    from django.utils import timezone

    from vmeste.core.models import Centre, Region
    from vmeste.volunteers import shifts
    from vmeste.volunteers.models import Assignment, Shift, ShiftTemplate, Volunteer

    centre = Centre.objects.create(
        code="bench-cal", name_ru="Бенч смены", kind="regional",
        region=Region.objects.get(code="RU-VGG"),
    )  # fmt: skip
    for name, s, e in (("Утро", 8, 12), ("День", 12, 17), ("Вечер", 17, 22), ("Ночь", 22, 8)):
        ShiftTemplate.objects.create(
            centre=centre, name=name, starts=dtime(s), ends=dtime(e), headcount={"operator": 8}
        )
    last = first + timedelta(days=30)

    class Boss:  # generate() asks only for the right to manage volunteers
        is_authenticated = is_active = True
        role = "administrator"

        def can(self, right: str) -> bool:
            return True

    shifts.generate(centre=centre, first=first, last=last, actor=Boss())
    people = Volunteer.objects.bulk_create(
        Volunteer(centre=centre, last_name=f"Волонтёр{n}", first_name="Имя",
                  birth_date=date(1990, 1, 1), phone=f"+7928{n:07d}", status="active",
                  consent_at=timezone.now(), calendar_token=f"bench-v-{n}")
        for n in range(volunteers)
    )  # fmt: skip
    rows = []
    for shift in Shift.objects.filter(centre=centre):
        for v in rng.sample(people, rng.randint(6, 8)):
            rows.append(Assignment(shift=shift, volunteer=v, role="operator"))
    Assignment.objects.bulk_create(rows, batch_size=1000)
    return centre, first, last, len(rows)


def run(quick: bool = False) -> dict:
    _django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    from vmeste.accounts.models import ApiToken, User

    rng = random.Random(5)
    sizes = {"couriers": 100, "deliveries": 500, "volunteers": 50} if quick else {
        "couriers": 1_000, "deliveries": 5_000, "volunteers": 500}  # fmt: skip
    repeat = 10 if quick else 40
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        board_centre = _fill_deliveries(sizes["couriers"], sizes["deliveries"], rng)
        first = date.today().replace(day=1)
        cal_centre, first, last, assignments = _fill_calendar(sizes["volunteers"], first, rng)
        fill_seconds = round(time.perf_counter() - started, 1)
        boss = User.objects.create(username="bench-boss", role="supervisor", password="!")
        _t, raw = ApiToken.issue(user=boss)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        client = Client()
        board = _time(client, "/api/v1/deliveries/board", {"centre": board_centre.code},
                      headers, repeat)  # fmt: skip
        calendar = _time(
            client, "/api/v1/shifts",
            {"centre": cal_centre.code, "first": str(first), "last": str(last)}, headers, repeat,
        )  # fmt: skip
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return {
        "database": connection.vendor,
        "sizes": {**sizes, "assignments": assignments, "calendar_days": (last - first).days + 1},
        "fill_seconds": fill_seconds,
        "dispatch_board": board,
        "shift_calendar_month": calendar,
        "targets": TARGETS,
        "met": {
            "board_p95_ms": board["p95_ms"] <= TARGETS["board_p95_ms"],
            "calendar_p95_ms": calendar["p95_ms"] <= TARGETS["calendar_p95_ms"],
        },
        "median_check_ms": statistics.median([board["p50_ms"], calendar["p50_ms"]]),
    }
