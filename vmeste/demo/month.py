"""The demo's last 30 days: persons, their contacts, the requests those produced.

Planned in memory first (who called which line when, what came of it), then written with
bulk inserts: a few seconds on SQLite. Every person has at least one contact, and is created
with consent given at their first one; a request is registered at the end of its contact.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from vmeste.accounts.models import User
from vmeste.assistance.models import Team
from vmeste.contacts.models import Contact
from vmeste.core.models import Category, Line, Region
from vmeste.demo import cast, fiction, mix, requests_writer
from vmeste.people.models import Consent, ConsentStatus, Person, PersonEvent, PersonPhone

BATCH = 1000
CONSENT_METHOD = {"phone": "oral_call", "chat": "chat", "web": "web_form", "email": "written"}


@dataclass
class Planned:
    """One contact to be: its line, moment and disposition, then its person and operator."""

    line: str
    at: datetime
    disposition: str = "consultation"
    person: int | None = None
    region: str | None = None
    channel: str = "phone"
    operator: str | None = None
    phone: str = ""
    categories: list[str] = field(default_factory=list)
    wait: int | None = None
    talk: int | None = None

    @property
    def ended(self) -> datetime:
        return self.at + timedelta(seconds=(self.wait or 0) + (self.talk or 0))


def in_scope(user: cast.DemoUser, *, region: str | None, line: str) -> bool:
    regions_ok = not user.regions or region in user.regions
    return regions_ok and (not user.lines or line in user.lines)


class Month:
    def __init__(self, *, seed: int, now: datetime, persons: int, contacts: int, requests: int):
        self.rng = random.Random(seed)
        self.now = now
        self.start = now - timedelta(days=30)
        self.sizes = (persons, contacts, requests)
        self.lines = {
            line.code: line
            for line in Line.objects.filter(code__in=mix.LINE_SHARES, is_active=True)
            .prefetch_related("regions")
            .order_by("code")
        }
        self.line_regions = {
            code: [r.code for r in line.regions.all()] for code, line in self.lines.items()
        }
        self.region_codes = list(Region.objects.order_by("code").values_list("code", flat=True))
        self.people: list[fiction.FictionalPerson] = []
        self.homes: list[str] = []
        self.plan: list[Planned] = []
        self._staff: dict[tuple, list[str]] = {}
        self.phones: dict[int, list[str]] = {}

    # -- planning -------------------------------------------------------------------------
    def plan_persons(self) -> None:
        rng, codes = self.rng, list(self.lines)
        shares = [mix.LINE_SHARES[c] for c in codes]
        everywhere = fiction.weighted_regions(self.region_codes)
        today = timezone.localdate(self.now)
        for _ in range(self.sizes[0]):
            home = rng.choices(codes, shares)[0]
            allowed = self.line_regions[home] or mix.LINE_REGIONS.get(home)
            choices = fiction.weighted_regions(allowed) if allowed else everywhere
            region = rng.choices(*choices)[0]
            profile = mix.LINE_PROFILE.get(home, "elderly")
            self.people.append(
                fiction.make_person(rng, region_code=region, today=today, profile=profile)
            )
            self.homes.append(home)

    def moment(self, code: str) -> datetime:
        line = self.lines[code]
        hours = {} if line.is_24_7 else {"opens": line.opens_at, "closes": line.closes_at}
        return fiction.sample_moment(
            self.rng, start=self.start, end=self.now, tz=ZoneInfo(line.time_zone), **hours
        )

    def plan_contacts(self) -> None:
        rng, codes = self.rng, list(self.lines)
        shares = [mix.LINE_SHARES[c] for c in codes]
        _, total, requests = self.sizes
        for _ in range(total):
            code = rng.choices(codes, shares)[0]
            self.plan.append(Planned(line=code, at=self.moment(code)))
        registered = set(rng.sample(range(total), min(requests, total)))
        kinds, weights = list(mix.DISPOSITIONS), list(mix.DISPOSITIONS.values())
        for index, contact in enumerate(self.plan):
            if index in registered:
                contact.disposition = "request_registered"
            else:
                contact.disposition = rng.choices(kinds, weights)[0]

    def assign_persons(self) -> None:
        """Each person calls their home line at least once; some call again and again."""
        rng = self.rng
        pools: dict[str, list[int]] = defaultdict(list)
        for index, home in enumerate(self.homes):
            pools[home].append(index)
        slots: dict[str, list[Planned]] = defaultdict(list)
        for contact in self.plan:
            if contact.disposition not in mix.WITHOUT_PERSON:
                slots[contact.line].append(contact)
        for code, pool in pools.items():
            rng.shuffle(pool)
            waiting = slots.get(code, [])
            for k, contact in enumerate(waiting):
                if k < len(pool):
                    contact.person = pool[k]
                elif not self.line_regions[code] and rng.random() < 0.15:
                    contact.person = rng.randrange(len(self.people))  # a caller of another line
                else:
                    contact.person = pool[int(len(pool) * rng.random() ** 2)]
            for person in pool[len(waiting) :]:
                self.plan.append(Planned(line=code, at=self.moment(code), person=person))
        for code, waiting in slots.items():  # a line nobody calls home: anyone it serves
            if code not in pools:
                served = [i for i, p in enumerate(self.people) if self.serves(code, p.region_code)]
                for contact in waiting:
                    if served:
                        contact.person = rng.choice(served)
                    else:
                        contact.disposition = "wrong_number"

    def serves(self, code: str, region: str) -> bool:
        return not self.line_regions[code] or region in self.line_regions[code]

    def staff(self, *, line: str, region: str | None, registers: bool) -> list[str]:
        key = (line, region, registers)
        if key not in self._staff:
            self._staff[key] = [
                u.username
                for u in cast.USERS
                if (u.handles_requests if registers else u.answers_calls)
                and in_scope(u, region=region, line=line)
            ]
        return self._staff[key]

    def detail_contacts(self) -> None:
        rng, categories = self.rng, set(Category.objects.values_list("code", flat=True))
        for c in self.plan:
            person = self.people[c.person] if c.person is not None else None
            line_regions = self.line_regions[c.line]
            c.region = person.region_code if person else (line_regions[0] if line_regions else None)
            if c.disposition not in mix.WITHOUT_PERSON:  # nobody spoke: it was a phone call
                c.channel = rng.choices(["phone", "chat", "web", "email"], [90, 5, 4, 1])[0]
            c.wait = min(900, int(rng.expovariate(1 / 35)))
            registers = c.disposition == "request_registered"
            if c.disposition == "abandoned":
                c.wait, c.talk = rng.randint(20, 300), None
            else:
                team = self.staff(line=c.line, region=c.region, registers=registers)
                c.operator = rng.choice(team) if team else None
                c.talk = self._talk(c.disposition)
            if c.disposition in ("consultation", "transferred", "callback_requested"):
                topic = rng.choice(mix.CONSULTATION_TOPICS.get(c.line, ["other-need"]))
                c.categories = [topic] if topic in categories else []

    def _talk(self, disposition: str) -> int:
        rng = self.rng
        if disposition == "silent":
            return rng.randint(5, 40)
        if disposition == "wrong_number":
            return rng.randint(10, 60)
        if disposition == "request_registered":
            return 180 + int(rng.expovariate(1 / 300))
        return 60 + int(rng.expovariate(1 / 180))


def fill(
    *,
    seed: int,
    now: datetime,
    users: dict[str, User],
    teams: dict[str, Team],
    persons: int,
    contacts: int,
    requests: int,
) -> dict[str, int]:
    month = Month(seed=seed, now=now, persons=persons, contacts=contacts, requests=requests)
    month.plan_persons()
    month.plan_contacts()
    month.assign_persons()
    month.detail_contacts()
    month.plan.sort(key=lambda c: c.at)
    person_ids = _insert_persons(month, users)
    contact_rows = _insert_contacts(month, users, person_ids)
    made = requests_writer.write(
        month=month, users=users, teams=teams, contacts=contact_rows, person_ids=person_ids
    )
    return {
        "persons": len(person_ids),
        "contacts": len(contact_rows),
        **made,
    }


def _insert_persons(month: Month, users: dict[str, User]) -> list[int]:
    rng, regions = month.rng, {r.code: r.pk for r in Region.objects.all()}
    first: dict[int, Planned] = {}
    for contact in month.plan:  # sorted by time: the first seen is the first contact
        if contact.person is not None:
            first.setdefault(contact.person, contact)
    rows = []
    for index, p in enumerate(month.people):
        rows.append(
            Person(
                last_name=p.last_name,
                first_name=p.first_name,
                middle_name=p.middle_name,
                birth_date=p.birth_date,
                region_id=regions[p.region_code],
                address=p.address,
                locality=p.locality,
                street=p.street,
                house=p.house,
                flat=p.flat,
                disability_group=p.disability_group,
                household_size=p.household_size,
                consent=ConsentStatus.GIVEN,
                created_at=first[index].at if index in first else month.start,
                **{flag: True for flag in p.flags},
            )
        )
    created = Person.objects.bulk_create(rows, batch_size=BATCH)
    ids = [person.pk for person in created]
    phones, events = [], []
    for index, person_id in enumerate(ids):
        primary = fiction.fictional_phone(fiction.DEMO_PERSON_PHONES, index)
        phones.append(PersonPhone(person_id=person_id, e164=primary, is_primary=True))
        if rng.random() < 0.1:
            second = fiction.fictional_phone(fiction.DEMO_PERSON_PHONES, 5000 + index)
            phones.append(PersonPhone(person_id=person_id, e164=second))
        contact = first.get(index)
        actor = users.get(contact.operator or "") if contact else None
        events.append(
            PersonEvent(
                person_id=person_id,
                at=rows[index].created_at,
                actor=actor,
                kind="created",
                data={"source": "demo"},
            )
        )
    PersonPhone.objects.bulk_create(phones, batch_size=BATCH)
    PersonEvent.objects.bulk_create(events, batch_size=BATCH)
    month.phones = {}
    for phone in phones:
        month.phones.setdefault(phone.person_id, []).append(phone.e164)
    return ids


def _insert_contacts(
    month: Month, users: dict[str, User], person_ids: list[int]
) -> list[tuple[Planned, Contact]]:
    rng = month.rng
    lines = {code: line.pk for code, line in month.lines.items()}
    regions = {r.code: r.pk for r in Region.objects.all()}
    rows = []
    for index, c in enumerate(month.plan):
        person_id = person_ids[c.person] if c.person is not None else None
        if person_id is not None:
            numbers = month.phones[person_id]
            c.phone = numbers[-1] if len(numbers) > 1 and rng.random() < 0.2 else numbers[0]
        else:
            c.phone = fiction.fictional_phone(fiction.DEMO_CALLER_PHONES, rng.randrange(10_000))
        ended = c.ended if c.talk is not None or c.disposition == "abandoned" else None
        rows.append(
            Contact(
                channel=c.channel,
                line_id=lines[c.line],
                region_id=regions[c.region] if c.region else None,
                caller_number=c.phone,
                started_at=c.at,
                ended_at=min(ended, month.now) if ended else None,
                operator=users.get(c.operator or ""),
                disposition=c.disposition,
                person_id=person_id,
                call_id=f"demo-{index:06d}" if c.channel == "phone" else None,
                queue_code=c.line,
                wait_seconds=c.wait,
                talk_seconds=c.talk,
            )
        )
    created = Contact.objects.bulk_create(rows, batch_size=BATCH)
    pairs = list(zip(month.plan, created, strict=True))
    _insert_consents(month, pairs)
    return pairs


def _insert_consents(month: Month, pairs: list[tuple[Planned, Contact]]) -> None:
    seen, consents = set(), []
    for planned, contact in pairs:
        if contact.person_id is None or contact.person_id in seen:
            continue
        seen.add(contact.person_id)
        consents.append(
            Consent(
                person_id=contact.person_id,
                status=ConsentStatus.GIVEN,
                method=CONSENT_METHOD[planned.channel],
                recorded_by=contact.operator,
                recorded_at=contact.started_at,
                contact_id=contact.pk,
            )
        )
    Consent.objects.bulk_create(consents, batch_size=BATCH)
