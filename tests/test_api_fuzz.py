"""Schemathesis against our own OpenAPI, under several roles: whatever the input, the API never
answers 5xx, every answer's status is one the operation documents, and every documented body
matches its schema (issue 12, defect 10).

Every operation of /api/v1/ gets generated requests (valid and invalid shapes) through the
WSGI application in-process, on the test database, from the token of an administrator, of an
operator scoped to one region, and of an analyst. Examples are few and derandomised, so the
run is the same on every machine and bounded in time (a few minutes on two cores).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
EXAMPLES = 6

ROLES = {
    "administrator": {},
    "operator-vgg": {"role": "operator", "regions": ["RU-VGG"]},
    "analyst": {"role": "analyst"},
}


@pytest.fixture
def api_schema(db):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from vmeste.wsgi import application

    # Like Django's test client: the test's transaction holds the connection, so requests
    # must not close it when they start or finish.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def records(db):
    """A few rows with small ids, in and out of the operator's region, so generated ids
    reach real records: requests and their persons, a contact, a measure without rules."""
    from vmeste.contacts.models import Contact
    from vmeste.core.models import Line
    from vmeste.deliveries.tests.conftest import make_request
    from vmeste.directory.models import Measure

    inside, outside = make_request("RU-VGG"), make_request("RU-SAM")
    line = Line.objects.get(code="we-are-together")
    for request in (inside, outside):
        Contact.objects.create(line=line, region=request.region, person=request.person)
    Measure.objects.create(name="Для всех", eligibility={})


def _token(make_user, name: str) -> str:
    from vmeste.accounts.services import issue_token

    scope = dict(ROLES[name])
    role = scope.pop("role", name)
    make_user(f"fuzz-{name}", role, **scope)
    return issue_token(username=f"fuzz-{name}")


def _failures_of(operation, headers: dict) -> list[str]:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        check()
    except Exception as exc:  # gather every operation's failure, then report them all
        return [f"{operation.label}: {type(exc).__name__}: {str(exc)[:600]}"]
    return []


@pytest.mark.parametrize("role", list(ROLES))
def test_no_input_makes_the_api_fail_or_lie(api_schema, records, make_user, role):
    headers = {"Authorization": f"Bearer {_token(make_user, role)}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    failures = [line for op in operations for line in _failures_of(op, headers)]
    assert not failures, "\n\n".join(failures)
