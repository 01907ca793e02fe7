"""Builders shared by the volunteers' and the deliveries' tests (and the bench)."""

from __future__ import annotations

import json
import threading
from datetime import date, time, timedelta
from itertools import count

from django.db import connection
from django.test import Client
from django.utils import timezone

from vmeste.accounts.models import ApiToken, User
from vmeste.accounts.roles import Role
from vmeste.core.models import Centre, Line, Region
from vmeste.volunteers.models import (
    HealthDocument,
    Requirements,
    RoleGrant,
    ShiftTemplate,
    TrainingModule,
    Volunteer,
)

_seq = count(1)


def centre(code: str = "vgg", region: str = "RU-VGG", **requirements) -> Centre:
    c, _ = Centre.objects.get_or_create(
        code=code,
        defaults={
            "name_ru": f"Центр {code}",
            "kind": Centre.Kind.REGIONAL,
            "region": Region.objects.get(code=region),
        },
    )
    if requirements:
        Requirements.objects.update_or_create(centre=c, defaults=requirements)
    return c


def national_centre(line_codes: tuple[str, ...] = ("volgograd-volunteers",)) -> Centre:
    c = Centre.objects.create(code="national", name_ru="Федеральный", kind=Centre.Kind.NATIONAL)
    c.lines.set(Line.objects.filter(code__in=line_codes))
    return c


def user(role: str = Role.SUPERVISOR, *, centre: Centre | None = None, regions=()) -> User:
    u = User.objects.create(username=f"{role}{next(_seq)}", role=role, centre=centre)
    if regions:
        u.regions.set(Region.objects.filter(code__in=regions))
    return u


def volunteer(
    c: Centre,
    *,
    status: str = "active",
    roles: tuple[str, ...] = ("operator",),
    age: int = 30,
    document_days: int | None = 200,
    district: str = "",
    with_user: bool = True,
) -> Volunteer:
    n = next(_seq)
    today = timezone.localdate()
    v = Volunteer.objects.create(
        centre=c,
        last_name=f"Иванов{n}",
        first_name="Пётр",
        birth_date=date(today.year - age, 1, 1),
        phone=f"+7927{n:07d}",
        status=status,
        district=district,
        consent_at=timezone.now(),
    )
    if document_days is not None:
        HealthDocument.objects.create(
            volunteer=v, valid_until=today + timedelta(days=document_days)
        )
    for role in roles:
        RoleGrant.objects.create(volunteer=v, role=role)
    if with_user:
        v.user = User.objects.create(
            username=f"vol{n}",
            role=Role.COURIER if "courier" in roles else Role.VOLUNTEER,
            centre=c,
        )
        v.save()
    return v


def module(c: Centre, code: str, roles: list[str], fmt: str = "remote") -> TrainingModule:
    return TrainingModule.objects.create(
        centre=c, code=code, name=f"Модуль {code}", format=fmt, required_for=roles
    )


def template(c: Centre, starts: str, ends: str, headcount: dict, name: str = "") -> ShiftTemplate:
    return ShiftTemplate.objects.create(
        centre=c,
        name=name or f"{starts}–{ends}",
        starts=time.fromisoformat(starts),
        ends=time.fromisoformat(ends),
        headcount=headcount,
    )


class Api:
    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _t, raw = ApiToken.issue(user=user)
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"

    def get(self, path, **params):
        return self.client.get(path, params, **self.headers)

    def post(self, path, payload=None):
        return self.client.post(
            path, json.dumps(payload or {}), content_type="application/json", **self.headers
        )

    def put(self, path, payload):
        return self.client.put(
            path, json.dumps(payload), content_type="application/json", **self.headers
        )


def race(calls):
    """Run the calls at the same moment, each thread on its own database connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
