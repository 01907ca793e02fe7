"""Schemathesis against our own OpenAPI: whatever the input, the API never answers 5xx.

Every operation of /api/v1/ gets generated requests (valid and invalid shapes) from an
administrator's token, through the WSGI application in-process, on the test database.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.django_db


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
def admin_token(make_user):
    from vmeste.accounts.services import issue_token

    make_user("fuzz-admin", "administrator")
    return issue_token(username="fuzz-admin")


def test_no_input_makes_the_api_fail(api_schema, admin_token):
    headers = {"Authorization": f"Bearer {admin_token}"}
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            check()
        except Exception as exc:  # gather every operation's failure, then report them all
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:300]}")
    assert not failures, "\n\n".join(failures)
