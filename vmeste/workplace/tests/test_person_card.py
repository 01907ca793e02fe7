"""The person's card: audited, scoped, with duplicates and the merge button."""

from datetime import date

import pytest
from django.urls import reverse

from vmeste.accounts.models import AuditEntry
from vmeste.core.models import Region
from vmeste.people import services
from vmeste.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 is right for people and slow for tests that create a user each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def person(actor, phone: str, last: str, first: str, region: str = "RU-VGG") -> Person:
    person, _matched = services.find_or_register(
        data=services.PersonInput(
            phone=phone,
            last_name=last,
            first_name=first,
            birth_date=date(1950, 5, 1),
            region=Region.objects.get(code=region),
            address="Волгоград, ул. Мира, 5",
        ),
        consent=True,
        actor=actor,
    )
    return person


def test_opening_the_card_is_audited_and_offers_duplicates(client, make_user):
    user = make_user("op", "operator")
    client.force_login(user)
    one = person(user, "+79275551234", "Петрова", "Анна")
    two = person(user, "+79035550000", "Петрова", "Ана")
    page = client.get(reverse("people:person_detail", args=[one.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "+7 927 555-12-34" in body and "Волгоград, ул. Мира, 5" in body
    assert [d["card"]["id"] for d in page.context["duplicates"]] == [two.pk]
    assert AuditEntry.objects.filter(action="view", object_id=str(one.pk), user=user).exists()
    merged = client.post(reverse("people:person_merge", args=[one.pk]), {"absorb": two.pk})
    assert merged.status_code == 302
    two.refresh_from_db()
    assert two.merged_into_id == one.pk
    assert "+79035550000" in client.get(merged["Location"]).content.decode()


def test_out_of_scope_card_is_not_found_and_analysts_do_not_read_persons(client, make_user):
    author = make_user("op", "operator")
    one = person(author, "+79275551234", "Петрова", "Анна")
    client.force_login(make_user("mow", "operator", regions=["RU-MOW"]))
    assert client.get(reverse("people:person_detail", args=[one.pk])).status_code == 404
    client.force_login(make_user("an", "analyst"))
    assert client.get(reverse("people:person_detail", args=[one.pk])).status_code == 403
