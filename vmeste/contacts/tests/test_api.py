from datetime import datetime

import pytest

from vmeste.contacts.models import Contact
from vmeste.contacts.services import CallRecord, record_call
from vmeste.core.models import Line

pytestmark = pytest.mark.django_db


def test_register_a_consultation_without_personal_data(api_as):
    api = api_as("operator")
    response = api.post(
        "/api/v1/contacts",
        {
            "line": "moscow-volunteers",
            "caller_number": "8 916 555-00-11",
            "disposition": "consultation",
            "categories": ["sick-leave"],
            "notes": "Как продлить больничный",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["caller_number"] == "+79165550011"
    assert body["region"] == "RU-MOW"  # the line serves one region
    assert body["categories"] == ["sick-leave"]
    assert body["operator"] == api.user.username
    assert api.get(f"/api/v1/contacts/{body['id']}").json()["id"] == body["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"line": "nope"}, "line"),
        ({"line": "we-are-together", "caller_number": "12"}, "caller_number"),
        ({"line": "we-are-together", "disposition": "hung"}, "disposition"),
        ({"line": "we-are-together", "categories": ["xx"]}, "categories"),
        ({"line": "we-are-together", "region": "RU-ZZ"}, "region"),
        ({"line": "we-are-together", "person_id": 999999}, "person_id"),
        (
            {
                "line": "we-are-together",
                "started_at": "2026-11-01T10:00:00Z",
                "ended_at": "2026-11-01T09:00:00Z",
            },
            "ended_at",
        ),
    ],
)
def test_bad_contacts_are_refused_with_the_field(api_as, payload, field):
    api = api_as("operator")
    response = api.post("/api/v1/contacts", payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    assert Contact.objects.count() == 0


def test_roles_without_the_right_cannot_register(api_as):
    analyst = api_as("analyst")
    response = analyst.post("/api/v1/contacts", {"line": "we-are-together"})
    assert response.status_code == 403


def test_contacts_are_scoped_by_line(api_as):
    api = api_as("operator")
    api.post("/api/v1/contacts", {"line": "circle-of-kindness"})
    api.post("/api/v1/contacts", {"line": "we-are-together"})
    kindness_only = api_as("operator", lines=["circle-of-kindness"])
    listed = kindness_only.get("/api/v1/contacts").json()
    assert listed["count"] == 1 and listed["items"][0]["line"] == "circle-of-kindness"


def test_a_call_the_telephony_recorded_is_completed_not_doubled(api_as):
    line = Line.objects.get(code="moscow-volunteers")
    moment = datetime.fromisoformat("2026-04-01T10:00:00+00:00")
    record_call(
        CallRecord(call_id="c7", line=line, started_at=moment, caller_number="+79165550011")
    )
    call = Contact.objects.get(call_id="c7")
    api = api_as("operator")
    payload = {"line": "moscow-volunteers", "disposition": "transferred", "call_id": "c7",
               "categories": ["sick-leave"], "notes": "К врачу."}  # fmt: skip
    body = api.post("/api/v1/contacts", payload).json()
    assert body["id"] == call.pk and Contact.objects.count() == 1
    assert (body["disposition"], body["categories"]) == ("transferred", ["sick-leave"])
    assert body["started_at"].startswith("2026-04-01T") and body["operator"] == api.user.username
    # a chat cannot claim a call
    chat = api.post("/api/v1/contacts", {**payload, "channel": "chat"})
    assert chat.status_code == 422 and "channel" in chat.json()["error"]["fields"]
