from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from vmeste.assistance.models import Request
from vmeste.core.models import Category, Line, Region
from vmeste.deliveries import services
from vmeste.people.models import Person
from vmeste.volunteers.tests import factories as f

_numbers = count(1)


def make_request(region="RU-VGG", category="groceries-delivery", status="new") -> Request:
    cat = Category.objects.get(code=category)
    return Request.objects.create(
        number=f"T-{next(_numbers)}-{timezone.now().timestamp()}",
        person=Person.objects.create(first_name="Мария", last_name="Петрова"),
        line=Line.objects.get(code="volgograd-volunteers"),
        region=Region.objects.get(code=region),
        category=cat.parent or cat,
        subcategory=cat if cat.parent else None,
        description="Нужны продукты",
        due_at=timezone.now() + timedelta(days=1),
        status=status,
    )


def delivery_input(region="RU-VGG", **extra) -> services.DeliveryInput:
    now = timezone.now()
    values = dict(
        address="Волгоград, ул. Мира, 5, кв. 12",
        region=Region.objects.get(code=region),
        recipient_first_name="Мария",
        recipient_phone="+79275550011",
        window_start=now + timedelta(hours=1),
        window_end=now + timedelta(hours=4),
        payer="recipient",
        payment_method="cash",
        items=[{"name": "Хлеб", "qty": "1"}, {"name": "Молоко", "qty": "2"}],
        district="Центральный",
    )
    values.update(extra)
    return services.DeliveryInput(**values)


@pytest.fixture
def setup(db):
    centre = f.centre()
    dispatcher = f.user("supervisor", centre=centre, regions=["RU-VGG"])
    courier = f.volunteer(centre, roles=("courier",), district="Центральный").user
    courier.regions.set(Region.objects.filter(code="RU-VGG"))
    return centre, dispatcher, courier
