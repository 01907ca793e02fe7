"""The demo: centres, staff of every role, and a month of a hotline's work.

`load_demo()` is what `vmeste loaddemo` runs; `demo_loaded()` tells whether it already ran.
The month itself (persons, contacts, requests) is planned and inserted by `month.py`; the
contact centre (queues, agents, today's calls, the live moment) by `callcentre.py`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from vmeste.accounts.models import User
from vmeste.accounts.roles import Role
from vmeste.accounts.services import create_user
from vmeste.assistance.models import Team
from vmeste.core.models import Centre, Line, Region
from vmeste.demo import callcentre, cast, deliveries, launching, month, volunteering


def demo_loaded() -> bool:
    """True when the demo's centres or logins are in the database."""
    return (
        Centre.objects.filter(code__in=cast.CENTRE_CODES).exists()
        or User.objects.filter(username__in=cast.USERNAMES).exists()
    )


def create_centres() -> dict[str, Centre]:
    centres = {}
    for spec in cast.CENTRES:
        centre = Centre.objects.create(
            code=spec.code,
            kind=spec.kind,
            name_ru=spec.name_ru,
            name_en=spec.name_en,
            region=Region.objects.get(code=spec.region) if spec.region else None,
        )
        centre.lines.set(Line.objects.filter(code__in=spec.lines))
        centres[spec.code] = centre
    return centres


def create_staff() -> dict[str, User]:
    """One user per entry of cast.USERS, made by `accounts.create_user` as the CLI makes
    them (its rules for roles and scope); the password is printed by `vmeste demoinfo`."""
    users = {}
    for spec in cast.USERS:
        user, _password = create_user(
            actor=None,
            username=spec.username,
            role=spec.role,
            regions=list(spec.regions),
            lines=list(spec.lines),
            password=spec.password,
            first_name=spec.first_name,
            last_name=spec.last_name,
            centre=spec.centre,
            check_password=False,  # public on purpose: the demo's logins are printed
        )
        # Beyond what the service sets: an address, and Django's superuser flag for the
        # administrator, as the demo has always made them (Vmeste's rights ignore the flag).
        user.email = f"{spec.username}@demo.invalid"
        user.is_superuser = spec.role == Role.ADMINISTRATOR
        user.save(update_fields=["email", "is_superuser"])
        users[spec.username] = user
    return users


def create_teams(centres: dict[str, Centre], users: dict[str, User]) -> dict[str, Team]:
    teams = {}
    for spec in cast.CENTRES:
        if spec.kind != "regional":
            continue
        team = Team.objects.create(
            code=f"{spec.code}-desk",
            name=f"{centres[spec.code].name_ru}: дежурная группа",
            region=centres[spec.code].region,
        )
        team.members.set(
            [users[u.username] for u in cast.USERS if u.centre == spec.code and u.handles_requests]
        )
        teams[spec.code] = team
    return teams


@transaction.atomic
def load_demo(
    *,
    seed: int = 2026,
    now: datetime | None = None,
    persons: int = 2000,
    contacts: int = 10_000,
    requests: int = 1500,
) -> dict[str, int]:
    """Create the whole demo in one transaction; return how many rows of each kind."""
    now = now or timezone.now()
    centres = create_centres()
    users = create_staff()
    teams = create_teams(centres, users)
    counts = month.fill(
        seed=seed,
        now=now,
        users=users,
        teams=teams,
        persons=persons,
        contacts=contacts,
        requests=requests,
    )
    launching.give_numbers()
    launched = []
    contact_centre = callcentre.create(
        seed=seed,
        now=now,
        centres=centres,
        users=users,
        launched=lambda: launched.append(launching.test_calls(now=now)),
    )
    contact_centre["test_calls"] = launched[0]
    helpers = volunteering.create(seed=seed, now=now, centres=centres, users=users)
    doors = deliveries.create(seed=seed, now=now, centres=centres, users=users)
    return {
        "centres": len(centres),
        "users": len(users),
        "teams": len(teams),
        **counts,
        **contact_centre,
        **helpers,
        **doors,
    }
