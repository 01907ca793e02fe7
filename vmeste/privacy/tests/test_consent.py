"""Withdrawal of consent: work stops, data goes, the number is recognised, nobody re-consents
silently; and every screen that shows the person says so."""

from datetime import date

import pytest
from django.urls import reverse

from vmeste.assistance.models import Request, RequestEvent
from vmeste.assistance.tests.test_views import REQUEST, post_call
from vmeste.contacts.models import Contact
from vmeste.people.models import Consent, Person, PersonPhone
from vmeste.privacy import services
from vmeste.privacy.retention import ERASED
from vmeste.reports import services as reports

pytestmark = pytest.mark.django_db

PHONE = "+79275550101"
REGISTRATION = {
    "line": "volgograd-volunteers",
    "region": "RU-VGG",
    "category": "medicines",
    "description": "Лекарства по рецепту, живёт одна, диабет",
    "consent": True,
    "person": {
        "last_name": "Орлова",
        "first_name": "Нина",
        "phone": PHONE,
        "address": "ул. Мира, 1",
    },
}


def register(api, **changes):
    return api.post("/api/v1/requests", {**REGISTRATION, **changes})


@pytest.fixture
def operator(api_as):
    return api_as("operator", regions=["RU-VGG"])


@pytest.fixture
def registered(operator):
    response = register(operator)
    assert response.status_code == 201, response.content
    created = response.json()
    contact = operator.post(
        "/api/v1/contacts",
        {"line": "volgograd-volunteers", "caller_number": PHONE, "notes": "Плакала, сын пьёт"},
    )
    assert contact.status_code == 201, contact.content
    Contact.objects.filter(pk=contact.json()["id"]).update(person_id=created["person"]["id"])
    return created


def withdraw(api, person_id, **payload):
    return api.post(f"/api/v1/persons/{person_id}/consent/withdrawal", payload)


def test_withdrawal_stops_the_work_and_erases_what_may_go(operator, registered, make_user):
    person_id = registered["person"]["id"]
    analyst = make_user("analyst-1", role="analyst")
    period = reports.period(date(2026, 1, 1), date(2026, 12, 31))
    before = reports.figures(user=analyst, p=period, filters=reports.FigureFilters())

    response = withdraw(operator, person_id, method="oral_call", note="звонила сама")

    assert response.status_code == 200, response.content
    assert response.json() == {"person_id": person_id, "consent": "withdrawn",
                               "consent_withdrawn": True}  # fmt: skip
    person = Person.objects.get(pk=person_id)
    assert (person.last_name, person.first_name, person.address) == ("", "", "")
    assert person.anonymised_at is not None
    # Kept: the number (to recognise the next call), the consent log (proof), the counted rows.
    assert list(PersonPhone.objects.filter(person=person).values_list("e164", flat=True)) == [PHONE]
    consents = Consent.objects.filter(person=person).order_by("recorded_at")
    assert list(consents.values_list("status", "note")) == [
        ("given", ""),
        ("withdrawn", "звонила сама"),
    ]
    request = Request.objects.get(pk=registered["id"])
    assert (request.status, request.description) == ("cancelled", ERASED)
    assert Contact.objects.get(person=person).notes == ""
    texts = set(RequestEvent.objects.filter(request=request).values_list("text", flat=True))
    assert texts <= {"", "Отзыв согласия на обработку персональных данных"}
    after = reports.figures(user=analyst, p=period, filters=reports.FigureFilters())
    assert after == before
    again = withdraw(operator, person_id)
    assert again.status_code == 409 and again.json()["error"]["code"] == "consent_withdrawn"


# The refusal undoes the registration's transaction, as it does a request's (no test
# transaction around it, as none is around a request).
@pytest.mark.django_db(transaction=True)
def test_registering_the_number_again_does_not_re_consent(operator, registered):
    person_id = registered["person"]["id"]
    withdraw(operator, person_id)
    consents = Consent.objects.filter(person_id=person_id).count()

    refused = register(operator)

    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "consent_withdrawn"
    assert Person.objects.get(pk=person_id).consent == "withdrawn"
    assert Consent.objects.filter(person_id=person_id).count() == consents
    assert Request.objects.count() == 1 and Person.objects.count() == 1

    renewed = operator.post(f"/api/v1/persons/{person_id}/consent/renewal", {"method": "written"})
    assert renewed.status_code == 200 and renewed.json()["consent"] == "given"
    accepted = register(operator)
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["person"]["id"] == person_id


def test_every_screen_that_shows_the_person_says_so(client, operator, registered):
    person_id = registered["person"]["id"]
    withdraw(operator, person_id)
    assert operator.get(f"/api/v1/persons/{person_id}").json()["consent_withdrawn"] is True
    read = operator.get(f"/api/v1/requests/{registered['id']}").json()
    assert read["person"]["consent_withdrawn"] is True

    client.force_login(operator.user)
    banner = "Согласие на обработку персональных данных отозвано"
    card = client.get(reverse("people:person_detail", args=[person_id])).content.decode()
    assert banner in card
    page = client.get(reverse("assistance:request_detail", args=[registered["id"]]))
    assert banner in page.content.decode()
    lookup = client.get(reverse("contacts:caller_history"), {"caller_number": PHONE})
    assert "согласие отозвано" in lookup.content.decode()


def test_withdrawal_from_the_card(client, operator, registered):
    person_id = registered["person"]["id"]
    client.force_login(operator.user)
    response = client.post(
        reverse("privacy:withdraw", args=[person_id]), {"method": "written", "note": "заявление"}
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=person_id).consent == "withdrawn"
    client.post(reverse("privacy:renew", args=[person_id]), {"method": "written"})
    assert Person.objects.get(pk=person_id).consent == "given"


def test_only_staff_in_scope_may_withdraw(api_as, registered):
    person_id = registered["person"]["id"]
    samara = api_as("operator", regions=["RU-SAM"])
    assert withdraw(samara, person_id).status_code == 404
    assert withdraw(api_as("analyst"), person_id).status_code == 403
    assert withdraw(api_as("courier"), person_id).status_code == 403
    assert Person.objects.get(pk=person_id).consent == "given"


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_request_of_a_withdrawn_person_cannot_be_reopened(api_as, registered):
    coordinator = api_as("coordinator", regions=["RU-VGG"])
    withdraw(coordinator, registered["person"]["id"])
    url = f"/api/v1/requests/{registered['id']}/transitions"
    response = coordinator.post(url, {"to": "in_progress", "comment": "вернуть"})
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "consent_withdrawn"
    assert Request.objects.get(pk=registered["id"]).status == "cancelled"


@pytest.mark.django_db(transaction=True)
def test_the_call_card_says_why_it_does_not_register(client, make_user):
    user = make_user("op-card", "operator")
    client.force_login(user)
    assert post_call(client, REQUEST).status_code == 302
    person = Person.objects.get()
    services.withdraw_consent(person_id=person.pk, actor=user, method="oral_call")

    again = post_call(client, {**REQUEST, "description": "Снова продукты"})

    assert again.status_code == 422
    assert "отозвал согласие" in again.content.decode()
    assert Request.objects.count() == 1 and Contact.objects.count() == 1
    assert Person.objects.get().consent == "withdrawn"
