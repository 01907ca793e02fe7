"""The role × endpoint matrix (issue 12): every API operation (from the OpenAPI document) and
every page (from the URL resolver), called by every role and by an anonymous caller, on a
record inside the caller's region and one outside it. The expected answer of each cell comes
from the declared rules (tests/access_matrix/rules.py, role sets from the rights table), so
an endpoint added without a rule, or a rule left for a removed endpoint, fails here.
"""

import pytest
from django.test import Client

from tests.access_matrix import harness, world
from tests.access_matrix.rules import API, PAGES, SEARCH_PARAMS, SEARCHES, Rule
from tests.access_matrix.run import call, concrete_path
from vmeste.accounts.roles import Role
from vmeste.api import api

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"


@pytest.fixture(scope="module")
def openapi() -> dict:
    return api.get_openapi_schema()


def _endpoints(openapi: dict) -> list[tuple[harness.Endpoint, Rule]]:
    found = harness.api_endpoints(openapi) + harness.page_endpoints()
    rules = {**API, **PAGES}
    return [(endpoint, rules[endpoint.key]) for endpoint in found if endpoint.key in rules]


def test_every_endpoint_has_a_rule_and_every_rule_an_endpoint(openapi):
    api_keys = {e.key for e in harness.api_endpoints(openapi)}
    page_keys = {e.key for e in harness.page_endpoints()}
    assert sorted(api_keys - API.keys()) == [], "API operations without an access rule"
    assert sorted(page_keys - PAGES.keys()) == [], "pages without an access rule"
    assert sorted(API.keys() - api_keys) == [], "rules for API operations that are gone"
    assert sorted(PAGES.keys() - page_keys) == [], "rules for pages that are gone"


def _verdict(rule: Rule, role: str, side: str, status: int, is_page: bool) -> str | None:
    """Why the answer breaks the rule, or None when it keeps it."""
    if status >= 500:
        return "server error"
    if rule.roles is None or (role != ANONYMOUS and role in rule.roles):
        if status in (401, 403):
            return "refused a role the rule lets in"
        if side == "outside" and status != rule.outside:
            return f"a record outside the caller's scope is not {rule.outside}"
        return None
    wanted = (302 if is_page else 401) if role == ANONYMOUS else rule.refusal(role)
    return None if status == wanted else f"expected {wanted}"


def _cells(client, endpoint, rule, the_world, components, user, token, role):
    sides = ("inside", "outside") if (endpoint.record or rule.record) else ("inside",)
    for side in sides:
        path = concrete_path(endpoint, the_world, side, rule.record)
        status = call(client, endpoint, path, components, user, token)
        reason = _verdict(rule, role, side, status, endpoint.schema is None)
        yield f"{role:16} {side:7} {status} {endpoint.key}", reason


@pytest.mark.parametrize("role", [ANONYMOUS, *Role])
def test_every_role_gets_the_declared_answer_everywhere(openapi, role):
    from vmeste.accounts.services import issue_token

    the_world = world.build()
    user = token = None
    if role != ANONYMOUS:
        user = world.user_of(role)
        token = issue_token(username=user.username)
    client = Client(raise_request_exception=False)
    components = openapi["components"]["schemas"]
    broken, pending = [], []
    for endpoint, rule in _endpoints(openapi):
        cells = list(_cells(client, endpoint, rule, the_world, components, user, token, role))
        reasons = [f"{cell}: {reason}" for cell, reason in cells if reason]
        if not rule.pending:
            broken += reasons
        elif reasons:
            pending += [f"{reason} [{rule.pending}]" for reason in reasons]
        elif role != ANONYMOUS and role not in rule.roles:
            # Strict: once the fix has landed the marker must go, or it would hide a relapse.
            broken.append(f"{role} {endpoint.key}: keeps its rule now, drop `pending`")
    assert not broken, "\n".join(broken)
    if pending:
        pytest.xfail("\n".join(pending))


def test_every_search_is_declared(openapi):
    searching = {
        endpoint.key
        for endpoint in harness.api_endpoints(openapi)
        for parameter in endpoint.schema.get("parameters", [])
        if parameter.get("in") == "query" and parameter["name"] in SEARCH_PARAMS
    }
    assert sorted(searching ^ SEARCHES.keys()) == [], "searches without a declaration"


@pytest.mark.parametrize("role", sorted(API["GET /api/v1/persons"].roles))
def test_searches_by_phone_find_only_records_in_scope(openapi, role):
    from vmeste.accounts.services import issue_token

    world.build()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(username=world.user_of(role).username)}"}
    client = Client()
    for key, parameter in SEARCHES.items():
        if parameter is None:
            continue
        path = key.split(" ", 1)[1]
        found = {
            side: client.get(path, {parameter: phone}, **auth).json()["count"]
            for side, phone in world.PHONES.items()
        }
        assert found == {"inside": 1, "outside": 0}, (key, found)
