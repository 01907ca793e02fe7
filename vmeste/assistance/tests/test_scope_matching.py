"""Registration matches a person only inside the caller's scope (issue 12, defect 1)."""

import pytest

from vmeste.accounts.models import AuditEntry
from vmeste.people.models import Person

pytestmark = pytest.mark.django_db

PHONE = "+79275551234"


def registration(region: str, **person) -> dict:
    return {
        "line": "we-are-together",  # a national line: it serves both regions
        "region": region,
        "category": "groceries",
        "description": "Продукты",
        "consent": True,
        "person": {"phone": PHONE, **person},
    }


def test_a_number_known_in_another_region_makes_a_new_person_there(api_as):
    samara = api_as("operator", regions=["RU-SAM"])
    volgograd = api_as("operator", regions=["RU-VGG"])
    mine = samara.post(
        "/api/v1/requests",
        registration("RU-SAM", last_name="Самарина", first_name="Ольга", address="Самара"),
    )
    assert mine.status_code == 201, mine.content
    sam_id = mine.json()["person"]["id"]
    before = Person.objects.get(pk=sam_id)

    # The Volgograd operator types only the number, as an attacker would.
    theirs = volgograd.post("/api/v1/requests", registration("RU-VGG"))
    assert theirs.status_code == 201, theirs.content
    body = theirs.content.decode()
    assert "Самарина" not in body and "Ольга" not in body
    vgg_id = theirs.json()["person"]["id"]
    assert vgg_id != sam_id
    assert Person.objects.get(pk=vgg_id).region.code == "RU-VGG"

    after = Person.objects.get(pk=sam_id)
    assert (after.region_id, after.version, after.address) == (
        before.region_id,
        before.version,
        before.address,
    )
    assert not after.events.exclude(kind="created").exists()
    # Nobody in Volgograd looked at the Samara card, and Samara still has it.
    assert not AuditEntry.objects.filter(object_id=str(sam_id), user=volgograd.user).exists()
    card = samara.get(f"/api/v1/persons/{sam_id}")
    assert card.status_code == 200 and card.json()["last_name"] == "Самарина"
    found = samara.get("/api/v1/persons", phone=PHONE).json()
    assert [p["id"] for p in found["items"]] == [sam_id]
    assert volgograd.get(f"/api/v1/persons/{sam_id}").status_code == 404
    found = volgograd.get("/api/v1/persons", phone=PHONE).json()
    assert [p["id"] for p in found["items"]] == [vgg_id]


def test_a_second_registration_in_scope_still_finds_the_person(api_as):
    samara = api_as("operator", regions=["RU-SAM"])
    volgograd = api_as("operator", regions=["RU-VGG"])
    first = samara.post("/api/v1/requests", registration("RU-SAM", last_name="Самарина")).json()
    volgograd.post("/api/v1/requests", registration("RU-VGG", last_name="Самарина"))
    again = samara.post("/api/v1/requests", registration("RU-SAM")).json()
    assert again["person"]["id"] == first["person"]["id"]
    assert again["person"]["full_name"] == "Самарина"
    assert Person.objects.filter(phones__e164=PHONE).count() == 2


def test_an_unrestricted_operator_never_moves_a_persons_region(api_as):
    samara = api_as("operator", regions=["RU-SAM"])
    national = api_as("operator")
    first = samara.post("/api/v1/requests", registration("RU-SAM", last_name="Самарина")).json()
    # The national operator sees the Samara card and registers a Volgograd request for her:
    # the request is Volgograd's, the person stays in Samara.
    again = national.post("/api/v1/requests", registration("RU-VGG", last_name="Самарина"))
    assert again.status_code == 201, again.content
    assert again.json()["person"]["id"] == first["person"]["id"]
    assert again.json()["region"] == "RU-VGG"
    assert Person.objects.get(pk=first["person"]["id"]).region.code == "RU-SAM"
    assert samara.get(f"/api/v1/persons/{first['person']['id']}").status_code == 200
