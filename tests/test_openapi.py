"""Defect 10 of issue 12: the OpenAPI document says what the API does.

Schema names are unique (two classes with one name overwrote each other in `components`),
local times are not given a format they fail, and every operation documents its refusals.
"""

import re
from collections import defaultdict

import pytest
from ninja import Schema

from vmeste.api import api


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_no_two_schemas_of_ours_share_a_name():
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("vmeste."):
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: places for name, places in by_name.items() if len(places) > 1}
    assert not shared, shared


@pytest.fixture(scope="module")
def openapi() -> dict:
    return api.get_openapi_schema()


def test_every_operation_documents_its_refusals(openapi):
    missing = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            documented = {int(status) for status in operation["responses"]}
            needed = {404, 422} | ({401, 403} if operation.get("security") else set())
            if method != "get":
                needed |= {400, 409}
            if not needed <= documented:
                missing.append(f"{method.upper()} {path}: {sorted(needed - documented)}")
    assert not missing, missing
    error = openapi["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}


def test_public_operations_do_not_claim_401(openapi):
    form = openapi["paths"]["/api/v1/volunteers/apply"]["post"]
    assert "security" not in form
    assert 401 not in {int(s) for s in form["responses"]}


@pytest.mark.django_db
def test_opening_hours_match_their_documented_pattern(api_as, openapi):
    from vmeste.core.models import Line

    Line.objects.filter(code="we-are-together").update(
        is_24_7=False, opens_at="08:00", closes_at="20:00"
    )
    schema = openapi["components"]["schemas"]["LineOut"]["properties"]["opens_at"]
    pattern = next(part["pattern"] for part in schema["anyOf"] if "pattern" in part)
    assert "format" not in str(schema)
    lines = api_as("operator").get("/api/v1/lines").json()["items"]
    line = next(item for item in lines if item["code"] == "we-are-together")
    assert re.fullmatch(pattern, line["opens_at"]) and re.fullmatch(pattern, line["closes_at"])
