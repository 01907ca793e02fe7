"""The records and users the matrix runs against: each scoped kind once inside the users'
region (RU-VGG) and once outside it (RU-SAM); one user per role, scoped to RU-VGG."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

INSIDE, OUTSIDE = "RU-VGG", "RU-SAM"
# Each side's person answers to its own number, so that searches by phone can be compared.
PHONES = {"inside": "+79990000001", "outside": "+79990000002"}


@dataclass
class World:
    ids: dict[str, dict[str, int]] = field(default_factory=dict)  # side → kind → id
    fixed: dict[str, str] = field(default_factory=dict)  # other path params → a value


def _delivery(request, centre, actor):
    from vmeste.deliveries import services
    from vmeste.deliveries.tests.conftest import delivery_input

    data = delivery_input(region=request.region.code)
    return services.create_delivery(request_id=request.pk, centre=centre, data=data, actor=actor)


def build() -> World:
    from vmeste.accounts.services import create_user
    from vmeste.contacts.models import Contact
    from vmeste.core.models import Line
    from vmeste.deliveries.tests.conftest import make_request
    from vmeste.directory.models import Measure, Referral
    from vmeste.knowledge.models import Article
    from vmeste.people.models import PersonPhone
    from vmeste.volunteers.tests import factories as f

    builder, _password = create_user(
        actor=None,
        username="matrix-builder",
        role="administrator",
        password="x",
        check_password=False,
    )
    measure = Measure.objects.create(name="Для всех", eligibility={})
    line = Line.objects.get(code="volgograd-volunteers")
    world = World()
    for side, region in (("inside", INSIDE), ("outside", OUTSIDE)):
        centre = f.centre(code=region.lower(), region=region)
        request = make_request(region)
        request.person.region = request.region
        request.person.save()
        phone = PHONES[side]
        PersonPhone.objects.create(person=request.person, e164=phone, is_primary=True)
        contact = Contact.objects.create(
            line=line, region=request.region, person=request.person, caller_number=phone
        )
        referral = Referral.objects.create(request=request, measure=measure)
        world.ids[side] = {
            "person": request.person_id,
            "request": request.pk,
            "contact": contact.pk,
            "delivery": _delivery(request, centre, builder).pk,
            "referral": referral.pk,
            "volunteer": f.volunteer(centre).pk,
        }
    Article.objects.create(slug="matrix-article", title="Как заказать продукты", status="published")
    world.fixed = {"measure_id": str(measure.pk), "centre": "ru-vgg"}
    return world


def user_of(role: str):
    """A user of the role scoped to RU-VGG (administrators too: scope is tested for all)."""
    from vmeste.accounts.services import create_user
    from vmeste.core.models import Centre

    user, _password = create_user(
        actor=None,
        username=f"matrix-{role}",
        role=role,
        password="x",
        check_password=False,
        regions=[INSIDE],
    )
    user.centre = Centre.objects.get(code="ru-vgg")
    user.save(update_fields=["centre"])
    return user


def later(hours: int = 1):
    return timezone.now() + timedelta(hours=hours)
