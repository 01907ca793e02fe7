import re

import pytest
from django.utils import timezone

from vmeste.accounts.models import AuditEntry
from vmeste.assistance.models import Request, Team
from vmeste.core.models import Region
from vmeste.people.models import Person

pytestmark = pytest.mark.django_db

VALID = {
    "line": "volgograd-volunteers",
    "region": "RU-VGG",
    "category": "groceries-delivery",
    "description": "Нужны продукты: хлеб, молоко, крупа. Живёт одна, 84 года.",
    "urgency": "urgent",
    "consent": True,
    "person": {
        "last_name": "Петрова",
        "first_name": "Анна",
        "middle_name": "Ивановна",
        "phone": "8 (927) 555-12-34",
        "birth_date": "1942-03-08",
        "address": "Волгоград, ул. Мира, 5, кв. 12",
    },
}


def register(api, **changes):
    payload = {**VALID, **changes}
    return api.post("/api/v1/requests", payload)


def test_register_request_returns_number_status_and_person(api_as):
    api = api_as("operator")
    response = register(api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert re.fullmatch(rf"VGG-{timezone.localdate().year}-\d{{6}}", body["number"])
    assert body["status"] == "new"
    assert body["region"] == "RU-VGG"
    assert body["category"] == "groceries" and body["subcategory"] == "groceries-delivery"
    assert body["person"]["id"] == Person.objects.get().pk
    # Urgent: half of the subcategory's 24 h deadline.
    request = Request.objects.get()
    assert round((request.due_at - request.created_at).total_seconds() / 3600) == 12
    assert request.events.get().kind == "created"


def test_same_phone_finds_the_same_person(api_as):
    api = api_as("operator")
    first = register(api).json()
    second = register(api, description="Ещё лекарства").json()
    assert first["person"]["id"] == second["person"]["id"]
    found = api.get("/api/v1/persons", phone="+79275551234").json()
    assert found["count"] == 1 and found["items"][0]["id"] == first["person"]["id"]
    assert AuditEntry.objects.filter(action="lookup", object_id=str(first["person"]["id"])).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region": "RU-XXX"}, "region"),
        ({"line": "no-such-line"}, "line"),
        ({"category": "nothing"}, "category"),
        ({"consent": False}, "consent"),
        ({"consent": None}, "consent"),
        ({"description": "я" * 100_000}, "description"),
        ({"description": "   "}, "description"),
        ({"urgency": "whenever"}, "urgency"),
        ({"person": {**VALID["person"], "phone": "12345"}}, "person.phone"),
        ({"person": {**VALID["person"], "birth_date": "2999-01-01"}}, "person.birth_date"),
        ({"region": "RU-MOW"}, "region"),  # the Volgograd line does not serve Moscow
    ],
)
def test_bad_input_gets_its_own_error_and_stores_nothing(api_as, changes, field):
    api = api_as("operator")
    response = register(api, **changes)
    assert response.status_code == 422, response.content
    body = response.json()["error"]
    assert field in body["fields"], body
    assert all(isinstance(m, str) and m for m in body["fields"][field])
    assert Request.objects.count() == 0
    assert Person.objects.count() == 0


def test_missing_fields_are_named(api_as):
    api = api_as("operator")
    response = api.post("/api/v1/requests", {"line": "we-are-together"})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert {"region", "category", "description", "person"} <= set(fields)


def test_idempotency_key_replays_instead_of_duplicating(api_as):
    api = api_as("operator")
    headers = {"Idempotency-Key": "call-42-form-1"}
    first = api.post("/api/v1/requests", VALID, headers=headers)
    second = api.post("/api/v1/requests", VALID, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Request.objects.count() == 1
    other = api.post("/api/v1/requests", {**VALID, "description": "другое"}, headers=headers)
    assert other.status_code == 422
    assert Request.objects.count() == 1


def test_out_of_scope_request_is_not_found(api_as):
    volgograd = api_as("operator", regions=["RU-VGG"])
    created = register(volgograd).json()
    moscow = api_as("operator", regions=["RU-MOW"])
    assert moscow.get(f"/api/v1/requests/{created['id']}").status_code == 404
    assert moscow.get("/api/v1/requests").json()["count"] == 0
    assert moscow.get(f"/api/v1/persons/{created['person']['id']}").status_code == 404
    moved = moscow.post(f"/api/v1/requests/{created['id']}/transitions", {"to": "triaged"})
    assert moved.status_code == 404
    # Registering into a region outside one's scope is refused as well.
    refused = register(moscow)
    assert refused.status_code == 422 and "region" in refused.json()["error"]["fields"]


def test_transitions_follow_the_table_and_need_an_outcome_to_resolve(api_as):
    api = api_as("coordinator")
    created = register(api).json()
    url = f"/api/v1/requests/{created['id']}/transitions"
    assert api.post(url, {"to": "resolved"}).status_code == 422  # new → resolved: not allowed
    assert api.post(url, {"to": "in_progress"}).json()["status"] == "in_progress"
    no_outcome = api.post(url, {"to": "resolved"})
    assert no_outcome.status_code == 422
    assert "outcome" in no_outcome.json()["error"]["fields"]
    bad_how = api.post(url, {"to": "resolved", "outcome": {"helped": True, "how": "magic"}})
    assert "outcome.how" in bad_how.json()["error"]["fields"]
    done = api.post(url, {"to": "resolved", "outcome": {"helped": True, "how": "delivery"}})
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "resolved"
    assert body["outcome"] == {"helped": True, "how": "delivery", "note": ""}
    assert [e["to_status"] for e in body["events"]] == ["new", "in_progress", "resolved"]
    reopen = api.post(url, {"to": "in_progress"})
    assert reopen.status_code == 422 and "comment" in reopen.json()["error"]["fields"]
    reopened = api.post(url, {"to": "in_progress", "comment": "Привезли не то"}).json()
    assert reopened["status"] == "in_progress" and reopened["outcome"] is None


def test_stale_version_gets_a_conflict_and_changes_nothing(api_as):
    api = api_as("coordinator")
    created = register(api).json()
    url = f"/api/v1/requests/{created['id']}/transitions"
    version = created["version"]
    assert api.post(url, {"to": "triaged", "version": version}).status_code == 200
    stale = api.post(url, {"to": "cancelled", "comment": "дубль", "version": version})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_version"
    assert Request.objects.get().status == "triaged"


def test_list_filters_and_search(api_as):
    api = api_as("operator")
    first = register(api).json()
    register(
        api,
        category="medicines-delivery",
        person={
            **VALID["person"],
            "last_name": "Сидоров",
            "first_name": "Пётр",
            "phone": "+79035550000",
        },
    )
    everything = api.get("/api/v1/requests").json()
    assert everything["count"] == 2
    assert api.get("/api/v1/requests", q="сидоров").json()["count"] == 1
    assert api.get("/api/v1/requests", q="+7 927 555-12-34").json()["count"] == 1
    assert api.get("/api/v1/requests", q=first["number"]).json()["items"][0]["id"] == first["id"]
    assert api.get("/api/v1/requests", category="medicines").json()["count"] == 1
    assert api.get("/api/v1/requests", status="new", region="RU-VGG").json()["count"] == 2
    assert api.get("/api/v1/requests", status="bogus").status_code == 422
    page = api.get("/api/v1/requests", limit=1).json()
    assert page["count"] == 2 and len(page["items"]) == 1


def test_analysts_never_read_a_person_nor_a_request(api_as):
    operator = api_as("operator")
    created = register(operator).json()
    analyst = api_as("analyst")
    assert analyst.get(f"/api/v1/persons/{created['person']['id']}").status_code == 403
    # Analysts count: the figures, never the list of requests with their persons.
    assert analyst.get("/api/v1/requests").status_code == 403
    assert analyst.get("/api/v1/figures").json()["requests"] == 1
    assert AuditEntry.objects.filter(user=analyst.user).count() == 0
    # An operator's reading of the card is audited.
    assert operator.get(f"/api/v1/persons/{created['person']['id']}").status_code == 200
    assert AuditEntry.objects.filter(action="view", user=operator.user).count() == 1


def test_the_api_assigns_within_the_coordinators_regions_as_the_page_does(api_as):
    created = register(api_as("operator")).json()
    api = api_as("coordinator", regions=["RU-VGG"])
    Team.objects.create(code="vgg", name="Волгоград", region=Region.objects.get(code="RU-VGG"))
    Team.objects.create(code="mow", name="Москва", region=Region.objects.get(code="RU-MOW"))
    url = f"/api/v1/requests/{created['id']}/assign"
    refused = api.post(url, {"assignee": api.user.pk, "team": "mow"})
    assert refused.status_code == 422 and "team" in refused.json()["error"]["fields"]
    unknown = api.post(url, {"assignee": 10**9})
    assert unknown.status_code == 422 and "assignee" in unknown.json()["error"]["fields"]
    item = Request.objects.get()
    assert (item.team_id, item.assignee_id, item.version) == (None, None, created["version"])
    assert api.post(url, {"assignee": api.user.pk, "team": "vgg"}).status_code == 200
    item.refresh_from_db()
    assert (item.team.code, item.assignee_id) == ("vgg", api.user.pk)
