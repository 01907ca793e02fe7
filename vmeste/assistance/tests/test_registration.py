"""Registering a request with its person: consent is the caller's explicit word, a matched
card is said openly, and both timelines get their first line through `record_event`."""

import pytest

from vmeste.assistance import services
from vmeste.assistance.models import Request
from vmeste.core.errors import ValidationFailed
from vmeste.core.models import Category, Line, Region
from vmeste.people.models import Person
from vmeste.people.services import PersonInput

pytestmark = pytest.mark.django_db


def _data() -> services.RequestInput:
    return services.RequestInput(
        line=Line.objects.get(code="volgograd-volunteers"),
        region=Region.objects.get(code="RU-VGG"),
        category=Category.objects.get(code="groceries"),
        description="Продукты",
    )


def _person() -> PersonInput:
    return PersonInput(phone="+79275550101", last_name="Иванова", first_name="Мария")


def test_consent_has_no_default_and_a_request_is_refused_without_it(make_user):
    operator = make_user("op")
    with pytest.raises(TypeError):
        services.register_with_person(data=_data(), person_data=_person(), actor=operator)
    with pytest.raises(ValidationFailed) as refused:
        services.register_with_person(
            data=_data(), person_data=_person(), actor=operator, consent=False
        )
    assert refused.value.code == "consent_required" and "consent" in refused.value.fields
    assert not Person.objects.exists() and not Request.objects.exists()


def test_a_matched_card_is_said_openly_and_both_timelines_start(make_user):
    operator = make_user("op")
    first = services.register_with_person(
        data=_data(), person_data=_person(), actor=operator, consent=True
    )
    again = services.register_with_person(
        data=_data(), person_data=_person(), actor=operator, consent=True
    )
    assert (first.matched, again.matched) == (False, True)
    assert again.request.person_id == first.request.person_id
    created = first.request.events.get()
    assert (created.kind, created.to_status, created.actor) == ("created", "new", operator)
    person_events = list(first.request.person.events.values_list("kind", "data"))
    assert person_events[0] == ("created", {"consent": "given", "last_name": ["", "Иванова"],
                                            "first_name": ["", "Мария"]})  # fmt: skip
