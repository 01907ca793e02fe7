"""The person's card as a page: formatted phone and dates, editing for those with the right,
and the way to the navigator's eligibility."""

import pytest
from django.urls import reverse

from vmeste.people.models import Person
from vmeste.people.phones import pretty
from vmeste.workplace.tests.test_person_card import person

pytestmark = pytest.mark.django_db


def test_numbers_are_shown_the_way_they_are_read():
    assert pretty("+79000000000") == "+7 900 000-00-00"
    assert pretty("+78002003411") == "+7 800 200-34-11"
    assert pretty("+7 927 ***-**-67") == "+7 927 ***-**-67"
    assert pretty("+4930123456") == "+49 30 123456"
    assert pretty("") == ""


def test_the_card_shows_formatted_phone_and_date_and_the_ways_on(client, make_user):
    user = make_user("op", "operator")
    client.force_login(user)
    one = person(user, "+79275551234", "Петрова", "Анна")
    body = client.get(reverse("people:person_detail", args=[one.pk])).content.decode()
    assert "+7 927 555-12-34" in body
    assert "01.05.1950" in body and "1950-05-01" not in body
    assert reverse("people:person_edit", args=[one.pk]) in body
    assert reverse("directory:panel", args=[one.pk]) in body


def test_editing_the_card_goes_through_the_service(client, make_user):
    user = make_user("op", "operator")
    client.force_login(user)
    one = person(user, "+79275551234", "Петрова", "Анна")
    url = reverse("people:person_edit", args=[one.pk])
    values = client.get(url).context["values"]
    assert values["birth_date"] == "1950-05-01"
    saved = client.post(
        url,
        {
            **values,
            "address": "Волгоград, ул. Ленина, 1",
            "phone": "8 903 555 00 11",
            "flag.lives_alone": "yes",
        },
    )
    assert saved.status_code == 302
    one.refresh_from_db()
    assert one.address == "Волгоград, ул. Ленина, 1" and one.lives_alone is True
    assert set(one.phones.values_list("e164", flat=True)) == {"+79275551234", "+79035550011"}
    # The form the other user still has open is stale now: refused, nothing overwritten.
    stale = client.post(url, {**values, "address": "Старый адрес"})
    assert stale.status_code == 409
    assert "уже изменил" in stale.content.decode()
    assert Person.objects.get(pk=one.pk).address == "Волгоград, ул. Ленина, 1"


def test_a_wrong_date_is_shown_by_its_field(client, make_user):
    user = make_user("op", "operator")
    client.force_login(user)
    one = person(user, "+79275551234", "Петрова", "Анна")
    url = reverse("people:person_edit", args=[one.pk])
    values = client.get(url).context["values"]
    refused = client.post(url, {**values, "birth_date": "2999-01-01", "last_name": "Иванова"})
    assert refused.status_code == 422
    assert "birth_date" in refused.context["errors"]
    assert refused.context["values"]["last_name"] == "Иванова"
    assert Person.objects.get(pk=one.pk).last_name == "Петрова"


def test_without_the_right_there_is_no_edit(client, make_user):
    operator = make_user("op", "operator")
    one = person(operator, "+79275551234", "Петрова", "Анна")
    manager = make_user("rm", "regional_manager")
    client.force_login(manager)
    body = client.get(reverse("people:person_detail", args=[one.pk])).content.decode()
    assert "edit-person" not in body
    assert client.get(reverse("people:person_edit", args=[one.pk])).status_code == 403
    assert client.post(reverse("people:person_edit", args=[one.pk]), {}).status_code == 403
