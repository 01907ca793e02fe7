"""Every read that shows a person's data is audited, with its channel, its purpose and the
records shown — searches that find nothing too (issue 12, defect 6)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vmeste.accounts import audit
from vmeste.accounts.models import AuditEntry
from vmeste.assistance.tests.test_api import VALID, register
from vmeste.people import services as people

pytestmark = pytest.mark.django_db


def last(user) -> AuditEntry:
    return AuditEntry.objects.filter(user=user).order_by("-pk").first()


@pytest.fixture
def operator(api_as):
    return api_as("operator")


@pytest.fixture
def made(operator):
    body = register(operator).json()
    AuditEntry.objects.all().delete()  # what registering read is not under test here
    return body["id"], body["person"]["id"]


def test_searching_requests_by_phone_is_audited_with_what_it_found(operator, made):
    request_id, person_id = made
    found = operator.get("/api/v1/requests", q="+7 927 555-12-34").json()
    assert found["count"] == 1
    entry = last(operator.user)
    assert (entry.action, entry.channel, entry.purpose) == ("search", "api", "casework")
    assert entry.records.split() == [f"request:{request_id}", f"person:{person_id}"]
    assert (entry.object_type, entry.object_id) == ("request", str(request_id))
    assert entry.detail == "+7 927 ***-**-34"  # the number searched, masked like a lookup's


def test_a_search_that_finds_nothing_is_audited_too(operator, made):
    assert operator.get("/api/v1/requests", q="Сидоров").json()["count"] == 0
    entry = last(operator.user)
    assert (entry.action, entry.records, entry.object_id, entry.detail) == (
        "search",
        "",
        "",
        "Сидоров",
    )
    assert operator.get("/api/v1/persons", phone="+79990000000").json()["count"] == 0
    entry = last(operator.user)
    assert (entry.action, entry.object_type, entry.records, entry.purpose) == (
        "lookup",
        "person",
        "",
        "call",
    )
    assert entry.detail == "+7 999 ***-**-00"


def test_the_plain_list_is_audited_with_the_page_it_showed(operator, made):
    request_id, _person_id = made
    operator.get("/api/v1/requests")
    entry = last(operator.user)
    assert entry.action == "list" and f" request:{request_id} " in entry.records


def test_reading_one_request_is_audited(operator, made):
    request_id, person_id = made
    assert operator.get(f"/api/v1/requests/{request_id}").status_code == 200
    entry = last(operator.user)
    assert (entry.action, entry.channel) == ("view", "api")
    assert entry.records.split() == [f"request:{request_id}", f"person:{person_id}"]


def test_pages_are_audited_as_web(operator, made, client):
    request_id, person_id = made
    client.force_login(operator.user)
    client.get("/assistance/", {"q": "Петрова"})
    entry = last(operator.user)
    assert (entry.action, entry.channel, entry.detail) == ("search", "web", "Петрова")
    assert f" person:{person_id} " in entry.records
    client.get(f"/assistance/{request_id}/")
    entry = last(operator.user)
    assert (entry.action, entry.channel, entry.object_id) == ("view", "web", str(request_id))


def test_contacts_listed_searched_and_read_are_audited(operator):
    contact = operator.post(
        "/api/v1/contacts", {"line": "volgograd-volunteers", "caller_number": "+79275551234"}
    ).json()
    operator.get("/api/v1/contacts")
    assert last(operator.user).records.split() == [f"contact:{contact['id']}"]
    operator.get("/api/v1/contacts", caller_number="+79000000000")
    entry = last(operator.user)
    assert (entry.action, entry.records, entry.detail) == ("lookup", "", "+7 900 ***-**-00")
    operator.get(f"/api/v1/contacts/{contact['id']}")
    entry = last(operator.user)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "view",
        "contact",
        str(contact["id"]),
    )


def test_a_merge_over_the_api_is_logged_as_api(api_as):
    operator = api_as("operator")
    first = register(operator).json()["person"]["id"]
    other = {**VALID["person"], "phone": "+79275550099"}
    second = register(operator, person=other).json()["person"]["id"]
    merged = operator.post(f"/api/v1/persons/{first}/merge", {"absorb": second})
    assert merged.status_code == 200, merged.content
    entry = AuditEntry.objects.get(action="merge")
    assert (entry.channel, entry.purpose) == ("api", "merge")
    assert entry.records.split() == [f"person:{first}", f"person:{second}"]


def test_outside_a_request_the_channel_is_the_command_line(make_user):
    operator = make_user("op")
    people.find_by_phone(phone="+79275551234", user=operator)
    assert last(operator).channel == "cli"
    with audit.channel_as(audit.Channel.EXPORT):
        people.find_by_phone(phone="+79275551234", user=operator)
    assert last(operator).channel == "export"


def test_a_read_costs_one_insert(operator, made):
    with CaptureQueriesContext(connection) as queries:
        operator.get("/api/v1/persons", phone="+79275551234")
    inserts = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1 and AuditEntry._meta.db_table in inserts[0]


def test_the_audit_log_finds_every_read_that_showed_a_person(api_as, operator, made):
    _request_id, person_id = made
    operator.get("/api/v1/requests")  # the person is in a list
    operator.get(f"/api/v1/persons/{person_id}")  # the person's own card
    operator.get("/api/v1/requests", q="Никого")  # not shown
    admin = api_as("administrator")
    log = admin.get("/api/v1/audit", object_type="person", object_id=str(person_id)).json()
    assert sorted(item["action"] for item in log["items"]) == ["list", "view"]
    assert all(f"person:{person_id}" in item["records"] for item in log["items"])


def test_a_registration_that_shows_an_existing_card_is_a_read_of_it(operator, made):
    """The answer to a registration that matched a person names them: audited as a read;
    one that made a new card shows nothing that was there before, and writes no read."""
    _request_id, person_id = made
    again = register(operator).json()  # the same caller calls again
    assert again["person"]["id"] == person_id
    entry = last(operator.user)
    assert (entry.action, entry.channel) == ("view", "api")
    assert entry.records.split() == [f"request:{again['id']}", f"person:{person_id}"]
    before = AuditEntry.objects.count()
    new = register(operator, person={**VALID["person"], "phone": "+79275550000",
                                     "last_name": "Новикова"})  # fmt: skip
    assert new.status_code == 201, new.content
    assert AuditEntry.objects.count() == before


def test_the_person_page_audits_the_requests_and_contacts_it_lists(operator, made, client):
    request_id, person_id = made
    contact = operator.post(
        "/api/v1/contacts",
        {"channel": "phone", "line": "volgograd-volunteers", "region": "RU-VGG",
         "caller_number": VALID["person"]["phone"], "disposition": "consultation",
         "person_id": person_id},
    )  # fmt: skip
    assert contact.status_code == 201, contact.content
    client.force_login(operator.user)
    assert client.get(f"/people/{person_id}/").status_code == 200
    entry = last(operator.user)
    assert (entry.action, entry.channel, entry.object_id) == ("view", "web", str(person_id))
    shown = set(entry.records.split())
    assert {f"person:{person_id}", f"request:{request_id}", f"contact:{contact.json()['id']}"} <= (
        shown
    )
