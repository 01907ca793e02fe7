"""A small deterministic history for the privacy tests: persons, contacts and requests,
some registered years ago (past every retention) and some recently."""

from __future__ import annotations

from datetime import datetime, timedelta

from vmeste.accounts.services import create_user
from vmeste.assistance import services as assistance
from vmeste.assistance.models import Request, RequestEvent
from vmeste.contacts import services as contacts
from vmeste.contacts.models import Contact
from vmeste.core.models import Category, Line, Region
from vmeste.people.models import Person
from vmeste.people.services import PersonInput

LINES = ("volgograd-volunteers", "we-are-together")
REGIONS = ("RU-VGG", "RU-MOW", "RU-SAM")
CATEGORIES = ("medicines", "groceries")


def seed(*, now: datetime, persons: int = 12, years_ago: int = 8) -> None:
    """Each person calls twice (a consultation with notes and the call that registers a
    request); a third of the requests are resolved as helped, a third cancelled, a third
    left open. Three persons in four lived `years_ago`, the rest last week."""
    actor, _ = create_user(
        actor=None,
        username="seed-coordinator",
        role="coordinator",
        password="x" * 12,
        check_password=False,
    )
    for i in range(persons):
        at = now - (timedelta(days=7 + i) if i % 4 == 3 else timedelta(days=365 * years_ago + i))
        region = Region.objects.get(code=REGIONS[i % 3])
        # The Volgograd line serves its region only.
        line = Line.objects.get(code=LINES[0 if region.code == "RU-VGG" and i % 2 else 1])
        category = Category.objects.get(code=CATEGORIES[i % 2])
        phone = f"+7927555{i:04d}"
        consult = contacts.register_contact(
            data=contacts.ContactInput(
                line=line, region=region, caller_number=phone, notes=f"Спрашивала о льготах {i}",
                categories=[category],
            ),
            actor=actor,
        )  # fmt: skip
        request = assistance.register_with_person(
            data=assistance.RequestInput(
                line=line, region=region, category=category, description=f"Нужна помощь {i}"
            ),
            person_data=PersonInput(
                phone=phone, last_name=f"Иванова{i}", first_name="Анна", address=f"ул. Мира, {i}"
            ),
            actor=actor,
            consent=True,
        ).request
        if i % 3 == 0:
            assistance.transition(request_id=request.pk, to="in_progress", actor=actor)
            assistance.transition(
                request_id=request.pk,
                to="resolved",
                actor=actor,
                comment=f"Привезли лекарства {i}",
                outcome={"helped": True, "how": "delivery", "note": f"Всё хорошо {i}"},
            )
        elif i % 3 == 1:
            assistance.transition(request_id=request.pk, to="cancelled", actor=actor,
                                  comment="Отказалась")  # fmt: skip
        Contact.objects.filter(pk=consult.pk).update(started_at=at, person=request.person)
        Request.objects.filter(pk=request.pk).update(
            created_at=at, resolved_at=at + timedelta(days=1) if i % 3 == 0 else None
        )
        RequestEvent.objects.filter(request=request).update(at=at)
        Person.objects.filter(pk=request.person_id).update(created_at=at)
