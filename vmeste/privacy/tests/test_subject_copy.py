"""A subject's copy: everything held about one person, for a supervisor in scope, audited."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from vmeste.accounts.models import AuditEntry
from vmeste.privacy.tests.test_consent import PHONE, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(api_as):
    operator = api_as("operator", regions=["RU-VGG"])
    created = register(operator).json()
    operator.get(f"/api/v1/persons/{created['person']['id']}")  # a read, in the access log
    return created


def test_the_copy_holds_everything_about_the_person(api_as, registered):
    person_id = registered["person"]["id"]
    supervisor = api_as("supervisor", regions=["RU-VGG"])

    response = supervisor.get(f"/api/v1/persons/{person_id}/subject-copy")

    assert response.status_code == 200, response.content
    copy = response.json()
    card = copy["persons"][0]
    assert (card["last_name"], card["first_name"], card["address"]) == (
        "Орлова", "Нина", "ул. Мира, 1",
    )  # fmt: skip
    assert [p["e164"] for p in card["phones"]] == [PHONE]
    assert [c["status"] for c in card["consents"]] == ["given"]
    assert [r["number"] for r in copy["requests"]] == [registered["number"]]
    assert copy["requests"][0]["description"].startswith("Лекарства по рецепту")
    assert copy["requests"][0]["timeline"][0]["kind"] == "created"
    assert [(a["action"], a["channel"], a["user"]) for a in copy["access_log"]] == [
        ("view", "api", "оператор")
    ]
    # Our own secrets are not the person's data.
    assert "calendar_token" not in json.dumps(copy)
    exported = AuditEntry.objects.filter(action="export", object_id=str(person_id))
    assert list(exported.values_list("channel", "user")) == [("api", supervisor.user.pk)]


def test_only_supervisors_and_administrators_in_scope(api_as, registered):
    url = f"/api/v1/persons/{registered['person']['id']}/subject-copy"
    assert api_as("operator", regions=["RU-VGG"]).get(url).status_code == 403
    assert api_as("analyst").get(url).status_code == 403
    assert api_as("supervisor", regions=["RU-SAM"]).get(url).status_code == 404
    assert api_as("administrator").get(url).status_code == 200
    assert not AuditEntry.objects.filter(action="export").exclude(channel="api").exists()
    assert AuditEntry.objects.filter(action="export").count() == 1


def test_the_printable_page_and_its_json(client, make_user, registered):
    person_id = registered["person"]["id"]
    client.force_login(make_user("sup-1", role="supervisor"))
    page = client.get(reverse("privacy:subject_copy", args=[person_id]))
    body = page.content.decode()
    assert page.status_code == 200
    for text in ("Орлова", "ул. Мира, 1", registered["number"], "Лекарства по рецепту",
                 "Кто открывал данные", "просмотр карточки"):  # fmt: skip
        assert text in body, text
    download = client.get(reverse("privacy:subject_copy", args=[person_id]), {"format": "json"})
    assert json.loads(download.content)["persons"][0]["last_name"] == "Орлова"
    assert AuditEntry.objects.filter(action="export", channel="web").count() == 2


def test_the_command_writes_the_copy(tmp_path, make_user, registered):
    make_user("sup-cli", role="supervisor")
    person_id = registered["person"]["id"]
    target = tmp_path / "copy.json"
    call_command("person", "export-subject", str(person_id), str(target), "--by", "sup-cli")
    assert json.loads(target.read_text())["persons"][0]["first_name"] == "Нина"
    html = tmp_path / "copy.html"
    call_command("person", "export-subject", str(person_id), str(html), "--by", "sup-cli")
    assert "Орлова" in html.read_text() and "<table>" in html.read_text()
    assert AuditEntry.objects.filter(action="export", channel="cli").count() == 2
