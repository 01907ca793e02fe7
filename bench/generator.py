"""Many fictional persons, requests and contacts, fast, for benchmarks.

Rows are produced as plain tuples and streamed into a sink (COPY on PostgreSQL). Ids are
given explicitly, so requests can point at persons without reading them back. Person n gets
the phone +7 901 nnn-nn-nn (n = its id), a reserved fictional range: unique, and a bench can
compute a phone it knows exists. Request numbers continue the counters of `assistance.numbering`.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from django.db import transaction
from django.utils import timezone

from bench import sinks
from vmeste.accounts.models import User
from vmeste.assistance import numbering, tally_sql
from vmeste.assistance.models import Request
from vmeste.contacts.models import Contact
from vmeste.core.models import Category, Line, Region
from vmeste.demo import fiction, names
from vmeste.people.models import Person, PersonPhone

DAYS = 365
STATUSES_CLOSED = (["resolved", "rejected", "cancelled"], [85, 91, 100])  # cumulative
STATUSES_OPEN = (["new", "triaged", "in_progress", "waiting"], [3, 5, 9, 10.5])
HOW = ["delivery", "delivery", "measure", "organization", "consultation", "other"]
DESCRIPTIONS = [
    "Нужна доставка продуктов.",
    "Нужны лекарства по рецепту.",
    "Вопрос о мерах социальной поддержки.",
    "Просит помощи социального работника.",
    "Нужна консультация специалиста.",
]


def phone_of(person_id: int) -> str:
    """The phone `generate` gives the person with this id."""
    return fiction.fictional_phone(fiction.GENERATED_PHONES, person_id)


@dataclass
class LinePlan:
    id: int
    prefix: str
    region_ids: list[int]  # empty: the whole country
    topics: list[tuple[int, int | None, int]]  # (top id, subcategory id, deadline hours)


class Generator:
    def __init__(self, *, seed: int, sink: sinks.Sink, now: datetime | None = None):
        self.rng = random.Random(seed)
        self.sink = sink
        self.now = now or timezone.now()
        self.regions = {r.pk: r for r in Region.objects.all()}
        codes = [r.code for r in self.regions.values()]
        self.region_ids = list(self.regions)
        self.region_weights = fiction.weighted_regions(codes)[1]
        self.lines = self._plan_lines()
        # Per region, the lines serving it and their cumulative weights (national lines weigh
        # more): drawn with one bisect per row, the generator's hottest loop.
        self.lines_of: dict[int, tuple[list[LinePlan], list[float]]] = {}
        for region_id in self.region_ids:
            serving = [p for p in self.lines if not p.region_ids or region_id in p.region_ids]
            self.lines_of[region_id] = (
                serving,
                list(accumulate(5.0 if not p.region_ids else 1.0 for p in serving)),
            )
        self.short_codes = {pk: r.short_code for pk, r in self.regions.items()}
        self.staff = list(
            User.objects.filter(
                role__in=["operator", "coordinator"], is_active=True, regions__isnull=True
            ).values_list("pk", flat=True)
        )
        # The applicants requests and contacts are drawn from: ids and region indexes.
        self.person_ids = array("q")
        self.person_regions = array("H")

    def _plan_lines(self) -> list[LinePlan]:
        tops = list(Category.objects.filter(parent__isnull=True, is_active=True))
        children: dict[int, list[Category]] = {}
        for category in Category.objects.filter(parent__isnull=False, is_active=True):
            children.setdefault(category.parent_id, []).append(category)
        plans = []
        for line in Line.objects.filter(is_active=True).prefetch_related("regions", "categories"):
            offered = {c.pk for c in line.categories.all()}
            topics = []
            for top in tops:
                if offered and top.pk not in offered:
                    continue
                for sub in children.get(top.pk, []) or [None]:
                    hours = (sub or top).deadline_hours
                    topics.append((top.pk, sub.pk if sub else None, hours))
            region_ids = [r.pk for r in line.regions.all()]
            plans.append(LinePlan(line.pk, line.number_prefix, region_ids, topics))
        return plans

    # -- persons --------------------------------------------------------------------------
    PERSON_FIELDS = [
        "id", "last_name", "first_name", "middle_name", "birth_date", "region_id",
        "address", "locality", "street", "house", "consent", "created_at",
        "lives_alone", "self_isolation", "chronic_illness", "low_income",
    ]  # fmt: skip

    def persons(self, count: int) -> int:
        first = sinks.next_id(Person)
        self.person_ids, self.person_regions = array("q"), array("H")
        written = self.sink.write(
            Person, self.PERSON_FIELDS, self._person_rows(first, count), expected=count
        )
        self.sink.write(
            PersonPhone,
            ["id", "person_id", "e164", "kind", "is_primary"],
            (
                (phone_id, pid, phone_of(pid), "mobile", True)
                for phone_id, pid in enumerate(
                    range(first, first + count), sinks.next_id(PersonPhone)
                )
            ),
            expected=count,
        )
        return written

    def _person_rows(self, first: int, count: int) -> Iterator[tuple]:
        rng, today = self.rng, timezone.localdate(self.now)
        region_index = {pk: i for i, pk in enumerate(self.region_ids)}
        regions = rng.choices(self.region_ids, self.region_weights, k=count)
        for offset in range(count):
            region_id = regions[offset]
            self.person_ids.append(first + offset)
            self.person_regions.append(region_index[region_id])
            father = rng.choice(names.MALE_NAMES)
            surname = rng.choice(names.SURNAMES)
            if rng.random() < 0.65:
                given, middle = rng.choice(names.FEMALE_NAMES), father[1]
                last = names.female_surname(surname)
            else:
                given, last, middle = rng.choice(names.MALE_NAMES)[0], surname, father[2]
            age = fiction.sample_age(rng)
            street, house = rng.choice(names.STREETS), str(rng.randint(1, 150))
            flags = rng.random()
            yield (
                first + offset,
                last,
                given,
                middle,
                today - timedelta(days=age * 365 + rng.randrange(365)),
                region_id,
                f"{street}, д. {house}",
                "",
                street,
                house,
                "given",
                self.now - timedelta(seconds=rng.randrange(DAYS * 86400)),
                flags < 0.4,
                flags < 0.2,
                flags > 0.5,
                flags > 0.85,
            )

    # -- requests -------------------------------------------------------------------------
    REQUEST_FIELDS = [
        "id", "number", "person_id", "line_id", "region_id", "category_id", "subcategory_id",
        "description", "urgency", "status", "assignee_id", "due_at", "outcome_helped",
        "outcome_how", "resolved_at", "created_by_id", "created_at", "version",
    ]  # fmt: skip

    def requests(self, count: int) -> int:
        if not self.person_regions:
            self._load_person_regions()
        if not self.person_regions:
            raise ValueError("generate persons first: requests need applicants")
        sequences: dict[tuple[str, int], int] = {}
        with tally_sql.paused_for_bulk_load():
            written = self.sink.write(
                Request, self.REQUEST_FIELDS, self._request_rows(count, sequences), expected=count
            )
        for (prefix, year), last in sequences.items():
            numbering.continue_after(prefix, year, last)
        return written

    def _load_person_regions(self) -> None:
        """Requests for persons already in the database (generate run before)."""
        index = {pk: i for i, pk in enumerate(self.region_ids)}
        rows = Person.objects.filter(merged_into__isnull=True).values_list("pk", "region_id")
        for pk, region_id in rows.iterator(chunk_size=20_000):
            self.person_ids.append(pk)
            self.person_regions.append(index.get(region_id, 0))

    def _request_rows(self, count: int, sequences: dict[tuple[str, int], int]) -> Iterator[tuple]:
        rng, now = self.rng, self.now
        first_id = sinks.next_id(Request)
        people = len(self.person_regions)
        # Oldest first, so that numbers grow with time as they would in real life.
        ages = sorted((rng.randrange(DAYS * 86400) for _ in range(count)), reverse=True)
        this_year = timezone.localtime(now).year
        new_year = datetime(this_year, 1, 1, tzinfo=timezone.get_current_timezone())
        for offset, age_seconds in enumerate(ages):
            person = rng.randrange(people)
            region_id = self.region_ids[self.person_regions[person]]
            line = self._line_for(region_id)
            top, sub, hours = rng.choice(line.topics)
            created = now - timedelta(seconds=age_seconds)
            due = created + timedelta(hours=hours)
            year = this_year if created >= new_year else this_year - 1
            prefix = line.prefix or self.short_codes[region_id]
            key = (prefix, year)
            if key not in sequences:
                sequences[key] = numbering.last_given(prefix, year)
            sequences[key] += 1
            status, helped, how, resolved = self._status(created, due, hours)
            staff = rng.choice(self.staff) if self.staff else None
            yield (
                first_id + offset,
                f"{prefix}-{year}-{sequences[key]:06d}",
                self.person_ids[person],
                line.id,
                region_id,
                top,
                sub,
                rng.choice(DESCRIPTIONS),
                "normal" if rng.random() < 0.85 else "urgent",
                status,
                staff if status != "new" else None,
                due,
                helped,
                how,
                resolved,
                staff,
                created,
                1 if status == "new" else 3,
            )

    def _line_for(self, region_id: int) -> LinePlan:
        lines, cumulative = self.lines_of[region_id]
        return lines[bisect(cumulative, self.rng.random() * cumulative[-1])]

    def _status(self, created: datetime, due: datetime, hours: int):
        rng = self.rng
        if due < self.now and rng.random() < 0.95:
            status = _pick(rng, *STATUSES_CLOSED)
            resolved = created + timedelta(hours=hours * rng.uniform(0.1, 1.2))
            resolved = min(resolved, self.now)
            if status == "resolved":
                helped = rng.random() < 0.88
                return status, helped, rng.choice(HOW) if helped else "other", resolved
            return status, None, "", resolved
        return _pick(rng, *STATUSES_OPEN), None, "", None

    # -- contacts -------------------------------------------------------------------------
    CONTACT_FIELDS = [
        "id", "channel", "line_id", "region_id", "caller_number", "started_at", "ended_at",
        "disposition", "person_id", "wait_seconds", "talk_seconds",
    ]  # fmt: skip

    def contacts(self, count: int) -> int:
        if not self.person_regions:
            self._load_person_regions()
        return self.sink.write(
            Contact, self.CONTACT_FIELDS, self._contact_rows(count), expected=count
        )

    def _contact_rows(self, count: int) -> Iterator[tuple]:
        rng, now = self.rng, self.now
        first_id = sinks.next_id(Contact)
        people = len(self.person_regions)
        kinds = ["consultation", "request_registered", "transferred", "abandoned"]
        for offset in range(count):
            person = rng.randrange(people) if people else None
            region_id = self.region_ids[self.person_regions[person]] if people else None
            line = self._line_for(region_id) if region_id else self.lines[0]
            started = now - timedelta(seconds=rng.randrange(DAYS * 86400))
            wait, talk = rng.randrange(120), 60 + rng.randrange(600)
            person_id = self.person_ids[person] if people else None
            yield (
                first_id + offset,
                "phone",
                line.id,
                region_id,
                phone_of(person_id) if person_id else "",
                started,
                started + timedelta(seconds=wait + talk),
                rng.choices(kinds, [70, 15, 8, 7])[0],
                person_id,
                wait,
                talk,
            )


def _pick(rng: random.Random, items: list[str], cumulative: list[float]) -> str:
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def generate(
    *,
    persons: int,
    requests: int,
    contacts: int = 0,
    seed: int = 1,
    batch: int = 50_000,
    progress: sinks.Progress | None = None,
) -> dict[str, int]:
    sink = sinks.sink_for_connection(batch=batch, progress=progress)
    generator = Generator(seed=seed, sink=sink)
    with transaction.atomic():
        made = {
            "persons": generator.persons(persons) if persons else 0,
            "requests": generator.requests(requests) if requests else 0,
            "contacts": generator.contacts(contacts) if contacts else 0,
        }
        sink.finish([Person, PersonPhone, Request, Contact])
    sink.settle([Person, PersonPhone, Request, Contact])
    return made
