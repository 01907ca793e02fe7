"""The caller's history on the call card, fetched while the operator types the number."""

import pytest
from django.urls import reverse

from vmeste.accounts.models import AuditEntry
from vmeste.assistance.models import Request
from vmeste.assistance.tests.test_views import REQUEST, post_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 is right for people and slow for tests that create a user each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def operator(client, make_user):
    client.force_login(make_user("op", "operator"))
    return client


def test_caller_history_shows_the_person_past_contacts_and_open_requests(operator):
    post_call(operator, REQUEST)
    url = reverse("contacts:caller_history")
    body = operator.get(url, {"caller_number": "+7 927 555 12 34"}).content.decode()
    assert "Петрова Анна Ивановна" in body
    assert Request.objects.get().number in body
    assert "зарегистрирована заявка" in body
    assert "новый абонент" in operator.get(url, {"caller_number": "+79035550000"}).content.decode()
    assert "не полный" in operator.get(url, {"caller_number": "8927"}).content.decode()


def test_caller_lookup_query_count_does_not_grow_with_history(
    operator, django_assert_max_num_queries
):
    for i in range(6):
        post_call(operator, {**REQUEST, "description": f"заявка {i}"})
    url = reverse("contacts:caller_history")
    with django_assert_max_num_queries(12):
        response = operator.get(url, {"caller_number": "+79275551234"})
    assert len(response.context["history"]) == 6


def test_lookup_is_audited_and_masked_per_role(operator, make_user, client):
    post_call(operator, REQUEST)
    person = Request.objects.get().person
    url = reverse("contacts:caller_history")
    operator.get(url, {"caller_number": "+79275551234"})
    assert AuditEntry.objects.filter(action="lookup", object_id=str(person.pk)).exists()
    client.force_login(make_user("an", "analyst"))
    assert client.get(url, {"caller_number": "+79275551234"}).status_code == 403
