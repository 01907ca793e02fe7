"""Defect 8 of issue 12: inputs that answered a server error now answer a clear 4xx.

Each case is one the audit found; the client does not re-raise, so a 500 is seen as a 500.
"""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from vmeste.core.dates import check_date, date_problem, moment_problem, read_date
from vmeste.core.errors import ValidationFailed
from vmeste.deliveries.tests.conftest import make_request
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client):
    client.raise_request_exception = False
    return client


def _error(response) -> dict:
    return json.loads(response.content)["error"]


def test_candidates_of_a_measure_without_rules(api_as):
    from vmeste.directory.models import Measure

    make_request()
    measure = Measure.objects.create(name="Для всех", eligibility={})
    answer = api_as("administrator").get(f"/api/v1/measures/{measure.pk}/candidates")
    assert answer.status_code == 200, answer.content
    assert [item["surely"] for item in answer.json()["items"]] == [True]


@pytest.mark.parametrize("bad", ["\ud800", "a\x00b"], ids=["lone-surrogate", "nul"])
def test_unstorable_text_in_a_json_body_is_refused(api_as, bad):
    body = {"line": "we-are-together", "notes": bad, "categories": ["x", f"y{bad}"]}
    answer = api_as("operator").post("/api/v1/contacts", body)
    assert answer.status_code == 422
    error = _error(answer)
    assert error["code"] == "invalid_characters"
    assert set(error["fields"]) == {"notes", "categories.1"}


def test_a_json_body_sent_as_plain_text_is_checked_too(client, api_as):
    operator = api_as("operator")
    body = json.dumps({"line": "we-are-together", "notes": "\ud800"})
    answer = client.post("/api/v1/contacts", body, content_type="text/plain", **operator.auth)
    assert answer.status_code == 422
    assert _error(answer)["code"] == "invalid_characters"
    assert list(_error(answer)["fields"]) == ["notes"]


def test_unstorable_text_nested_in_a_registration_names_the_field(api_as):
    body = {
        "line": "we-are-together",
        "region": "RU-VGG",
        "category": "groceries-delivery",
        "description": "нужны продукты",
        "person": {"first_name": "Ан\ud800на", "phone": "+79990001122"},
    }
    answer = api_as("operator").post("/api/v1/requests", body)
    assert answer.status_code == 422
    assert list(_error(answer)["fields"]) == ["person.first_name"]


def test_nul_in_a_query_parameter_is_refused_on_every_database(api_as):
    answer = api_as("operator").get("/api/v1/requests", q="ab\x00c")
    assert answer.status_code == 422
    assert _error(answer)["code"] == "invalid_characters"


def test_nul_in_a_form_post_is_refused(web, make_user):
    web.force_login(make_user("op", "operator"))
    answer = web.post("/contacts/caller/", {"caller_number": "+7 999\x00"})
    assert answer.status_code == 422
    answer = web.post("/volunteers/apply/", {"first_name": "Ан\x00на"})
    assert answer.status_code == 422


def test_a_surrogate_escaped_pair_is_ordinary_text(api_as):
    # "\ud83d\ude00" is one emoji written as a valid pair: it is kept, not refused.
    body = {"line": "we-are-together", "notes": "спасибо \U0001f600"}
    answer = api_as("operator").post("/api/v1/contacts", body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["notes"].endswith("\U0001f600")


def test_huge_numbers_in_urls_are_refused(api_as, web, make_user):
    admin = api_as("administrator")
    assert admin.get("/api/v1/kb/articles", offset=10**20).status_code == 422
    assert admin.get("/api/v1/audit", offset=10**20).status_code == 422
    assert web.get("/api/hsds/services", {"page": 10**20}).status_code == 200
    web.force_login(make_user("op", "operator"))
    assert web.get("/assistance/", {"assignee": str(10**20)}).status_code in (200, 422)
    assert web.get(f"/assistance/{10**20}/").status_code in (404, 422)


def test_page_refusals_are_4xx_not_server_errors(web, make_user):
    centre = f.centre()
    admin = make_user("adm", "administrator")
    admin.centre = centre
    admin.save()
    web.force_login(admin)
    board = web.get("/deliveries/board/", {"centre": "nope"})
    assert board.status_code == 422
    assert "Неизвестный центр" in board.content.decode()  # the service's reason, in the page
    assert web.get("/volunteers/999999/").status_code == 404
    assert web.get("/volunteers/coverage/", {"centre": "nope"}).status_code == 422
    assert web.get("/volunteers/coverage/", {"days": "abc"}).status_code == 422
    assert web.get("/volunteers/coverage/", {"days": "7"}).status_code == 200


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "abc"])
def test_reports_refuse_a_period_out_of_range(web, make_user, value):
    web.force_login(make_user("an", "analyst"))
    answer = web.get("/reports/", {"date_from": value})
    assert answer.status_code == 422
    assert "date_from" in answer.context["errors"]


def test_referrals_page_for_a_role_without_access_is_403(web, make_user):
    req = make_request()
    for role in ("analyst", "volunteer", "courier"):
        web.force_login(make_user(f"u-{role}", role))
        assert web.get(f"/directory/requests/{req.pk}/referrals").status_code == 403


def test_a_contact_dated_9999_is_refused_and_the_history_still_opens(api_as, web):
    operator = api_as("operator")
    body = {
        "line": "we-are-together",
        "caller_number": "+79990001122",
        "started_at": "9999-12-31T23:59:59Z",
    }
    answer = operator.post("/api/v1/contacts", body)
    assert answer.status_code == 422
    assert "started_at" in _error(answer)["fields"]
    body["started_at"] = datetime.now(UTC).isoformat()
    assert operator.post("/api/v1/contacts", body).status_code == 201
    web.force_login(operator.user)
    history = web.get("/contacts/caller/", {"caller_number": "+79990001122"})
    assert history.status_code == 200


@pytest.mark.parametrize("birth", ["0001-01-01", "1899-12-31", "2101-01-01"])
def test_a_birth_date_out_of_range_is_refused(api_as, birth):
    body = {
        "line": "we-are-together",
        "region": "RU-VGG",
        "category": "groceries-delivery",
        "description": "нужны продукты",
        "consent": True,
        "person": {"first_name": "Анна", "phone": "+79990001122", "birth_date": birth},
    }
    answer = api_as("operator").post("/api/v1/requests", body)
    assert answer.status_code == 422
    assert "person.birth_date" in _error(answer)["fields"]


def test_the_shared_date_rules():
    assert date_problem(date(1900, 1, 1)) is None
    assert date_problem(date(2100, 12, 31)) is None
    assert date_problem(date(1899, 12, 31))
    with pytest.raises(ValidationFailed) as refused:
        check_date(date(2101, 1, 1), field="valid_until")
    assert list(refused.value.fields) == ["valid_until"]
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert moment_problem(now - timedelta(days=366), now=now) is None
    assert moment_problem(now + timedelta(days=366), now=now) is None
    assert moment_problem(now + timedelta(days=367), now=now)
    assert moment_problem(datetime(9999, 12, 31, tzinfo=UTC), now=now)


def test_a_typed_date_and_why_it_is_refused():
    """`read_date`, the one reading of a typed date behind the forms that gather problems."""
    assert read_date("") == (None, None)
    assert read_date("2026-06-01") == (date(2026, 6, 1), None)
    for typed in ("01.06.2026", "2026-02-30", "завтра"):
        value, problem = read_date(typed)
        assert value is None and problem, typed
    assert read_date("2101-01-01") == (None, date_problem(date(2101, 1, 1)))


def test_digits_that_int_cannot_read_are_not_server_errors(web, make_user):
    # "²".isdigit() is True but int("²") raises: such checks guarded int() in several views.
    web.force_login(make_user("op", "operator"))
    assert web.get("/assistance/", {"assignee": "²"}).status_code == 200
    assert web.get("/knowledge/", {"page": "²"}).status_code == 200
    assert web.post("/knowledge/use/", {"article": "x", "contact": "²"}).status_code == 404


def test_an_api_post_sent_as_an_empty_form_is_not_a_server_error(client, api_as):
    # The test client's bare POST is multipart: the guard must still leave the body readable
    # (read by it first, the body would be gone for the API: a 500). The heartbeat takes a
    # JSON body, so a form is refused as such; a POST with no body at all is a heartbeat.
    auth = api_as("telephony").auth
    answer = client.post("/api/v1/telephony/dispatch", **auth)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "Не удалось разобрать тело запроса: ждём JSON."
    empty = client.post("/api/v1/telephony/dispatch", data=b"", content_type="", **auth)
    assert empty.status_code == 200 and empty.json() == {"rung": [], "callback_offers": []}
