from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from vmeste.assistance.models import Request
from vmeste.core.models import Category, Line, Region
from vmeste.directory.models import RegionFacts
from vmeste.people.models import Person


@pytest.fixture
def region_facts(db):
    vgg = Region.objects.get(code="RU-VGG")
    return RegionFacts.objects.create(region=vgg, subsistence_minimum=Decimal("15000"))


@pytest.fixture
def make_person(db):
    def make(region="RU-VGG", **fields):
        return Person.objects.create(
            region=Region.objects.get(code=region) if region else None, **fields
        )

    return make


@pytest.fixture
def make_request(db):
    counter = {"n": 0}

    def make(person, category="groceries-delivery", status="new"):
        counter["n"] += 1
        sub = Category.objects.get(code=category)
        return Request.objects.create(
            number=f"T-{counter['n']}",
            person=person,
            line=Line.objects.get(code="we-are-together"),
            region=person.region,
            category=sub.parent or sub,
            subcategory=sub if sub.parent_id else None,
            description="тест",
            status=status,
            due_at=timezone.now() + timedelta(days=1),
        )

    return make


def years_ago(n: int) -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - n)
    except ValueError:
        return today.replace(year=today.year - n, day=28)
