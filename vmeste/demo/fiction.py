"""Fictional people, phone numbers and call times. Pure: no database, no Django.

Everything here is drawn from a `random.Random` passed in, so a seed gives the same data.
Phone numbers come from ranges of the +7 900 and +7 901 blocks that `phonenumbers` accepts
as valid Russian mobiles but that Vmeste reserves for made-up subscribers:

    +7 900 000-00-00 … +7 900 000-99-99   demo persons (loaddemo)
    +7 900 001-00-00 … +7 900 001-99-99   demo callers who never became a person
    +7 901 000-00-00 … +7 901 999-99-99   generated persons (generate, benchmarks)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vmeste.demo.names import (
    FEMALE_NAMES,
    LOCALITIES,
    MALE_NAMES,
    STREETS,
    SURNAMES,
    female_surname,
)

DEMO_PERSON_PHONES = (79_000_000_000, 10_000)
DEMO_CALLER_PHONES = (79_000_010_000, 10_000)
GENERATED_PHONES = (79_010_000_000, 10_000_000)


def fictional_phone(block: tuple[int, int], index: int) -> str:
    """The index-th number of a reserved block, in E.164."""
    start, size = block
    return f"+{start + index % size}"


# Where callers live: the regions of the seeds' centres weigh most, every other region 1.
REGION_WEIGHTS: dict[str, float] = {
    "RU-MOW": 14,
    "RU-MOS": 9,
    "RU-VGG": 8,
    "RU-SPE": 7,
    "RU-TA": 5,
    "RU-KDA": 5,
    "RU-SVE": 4,
    "RU-ROS": 4,
    "RU-BA": 4,
    "RU-NIZ": 3,
    "RU-SAM": 3,
    "RU-CHE": 3,
    "RU-NVS": 3,
    "RU-SA": 2,
    "RU-YAR": 2,
}

# Calls per hour of the local day, relative: a morning peak, a long working day, quiet nights.
HOUR_WEIGHTS: list[float] = [
    1.0, 0.7, 0.5, 0.4, 0.4, 0.6, 1.2, 2.6, 4.6, 7.0, 8.2, 8.6,
    8.0, 7.6, 7.6, 7.2, 6.6, 6.0, 5.0, 4.4, 3.4, 2.6, 2.0, 1.4,
]  # fmt: skip
WEEKDAY_WEIGHTS: list[float] = [1.1, 1.05, 1.0, 1.0, 0.95, 0.7, 0.6]


def weighted_regions(codes: list[str]) -> tuple[list[str], list[float]]:
    return codes, [REGION_WEIGHTS.get(code, 1.0) for code in codes]


@dataclass
class FictionalPerson:
    last_name: str
    first_name: str
    middle_name: str
    birth_date: date
    region_code: str
    locality: str
    street: str
    house: str
    flat: str
    flags: set[str] = field(default_factory=set)
    disability_group: str = ""
    household_size: int = 1

    @property
    def address(self) -> str:
        parts = [f"г. {self.locality}" if self.locality else "", self.street]
        parts += [f"д. {self.house}", f"кв. {self.flat}" if self.flat else ""]
        return ", ".join(p for p in parts if p)


def sample_age(rng: random.Random, *, profile: str = "elderly") -> int:
    """Ages skewed to 60+ (the hotlines' main callers); parents and adults for other lines."""
    if profile == "parent":
        return rng.randint(24, 48)
    if profile == "adult":
        return rng.randint(19, 70)
    roll = rng.random()
    if roll < 0.72:
        return min(99, 60 + int(rng.expovariate(1 / 12)))
    if roll < 0.9:
        return rng.randint(40, 59)
    return rng.randint(18, 39)


def make_person(
    rng: random.Random, *, region_code: str, today: date, profile: str = "elderly"
) -> FictionalPerson:
    """One fictional person; `profile` is elderly, parent (a seriously ill child) or adult."""
    female = rng.random() < (0.68 if profile == "elderly" else 0.6)
    surname = rng.choice(SURNAMES)
    father = rng.choice(MALE_NAMES)
    if female:
        # Older callers carry the older names at the head of the list.
        pool = FEMALE_NAMES[:12] if profile == "elderly" and rng.random() < 0.7 else FEMALE_NAMES
        first, last, middle = rng.choice(pool), female_surname(surname), father[1]
    else:
        first, last, middle = rng.choice(MALE_NAMES)[0], surname, father[2]
    age = sample_age(rng, profile=profile)
    birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
    localities = LOCALITIES.get(region_code, [""])
    person = FictionalPerson(
        last_name=last,
        first_name=first,
        middle_name=middle,
        birth_date=birth,
        region_code=region_code,
        locality=rng.choice(localities),
        street=rng.choice(STREETS),
        house=str(rng.randint(1, 120)),
        flat=str(rng.randint(1, 240)) if rng.random() < 0.8 else "",
    )
    _situation(rng, person, age=age, profile=profile)
    return person


def _situation(rng: random.Random, person: FictionalPerson, *, age: int, profile: str) -> None:
    flags = person.flags
    if profile == "parent":
        flags.add("seriously_ill_child")
        person.household_size = rng.randint(3, 6)
        if person.household_size >= 5:
            flags.add("large_family")
        if rng.random() < 0.5:
            flags.add("caregiver")
        if rng.random() < 0.3:
            flags.add("low_income")
        return
    if age >= 60:
        if rng.random() < 0.45:
            flags.add("lives_alone")
        if rng.random() < 0.35:
            flags.add("self_isolation")
        if rng.random() < 0.55:
            flags.add("chronic_illness")
        if rng.random() < 0.15:
            flags.add("reduced_mobility")
        if rng.random() < 0.06:
            flags.add("veteran")
        if rng.random() < 0.18:
            person.disability_group = rng.choice(["1", "2", "2", "3", "3"])
    else:
        if rng.random() < 0.12:
            flags.add("unemployed")
        if rng.random() < 0.08:
            flags.add("caregiver")
        if rng.random() < 0.05:
            person.disability_group = rng.choice(["2", "3"])
        if age < 24 and rng.random() < 0.1:
            flags.add("orphanage_graduate")
    if profile == "adult" and rng.random() < 0.4:
        flags.add("low_income")
    person.household_size = 1 if "lives_alone" in flags else rng.choice([1, 2, 2, 3, 4])


def sample_moment(
    rng: random.Random,
    *,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    opens: time | None = None,
    closes: time | None = None,
) -> datetime:
    """A moment in [start, end) following the day/night pattern, within the line's hours."""
    hours = list(range(24))
    if opens is not None and closes is not None:
        first = opens.hour
        last = closes.hour if closes.minute == 0 else closes.hour + 1
        hours = [h for h in hours if first <= h < last] or hours
    weights = [HOUR_WEIGHTS[h] for h in hours]
    days = max(1, (end - start).days + 1)
    first_day = start.astimezone(tz).date()
    for _attempt in range(50):
        offset = rng.randrange(days)
        day = first_day + timedelta(days=offset)
        if rng.random() > WEEKDAY_WEIGHTS[day.weekday()] / 1.1:
            continue
        hour = rng.choices(hours, weights)[0]
        minute = rng.randrange(60)
        if opens is not None and hour == opens.hour and minute < opens.minute:
            minute = opens.minute
        moment = datetime(day.year, day.month, day.day, hour, minute, rng.randrange(60), tzinfo=tz)
        if start <= moment < end:
            return moment
    return start + (end - start) * rng.random()
