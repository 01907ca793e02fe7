"""Shapes shared by every router: the list envelope, the error shape and its documentation."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time
from functools import cache
from typing import Annotated, Any, get_type_hints

from ninja import Schema
from pydantic import Field, WithJsonSchema, create_model


@cache
def ListOf(item: type[Schema]) -> type[Schema]:
    """`{"items": [...], "count": N}` where N counts every match, not just this page."""
    return create_model(
        f"{item.__name__}List", __base__=Schema, items=(list[item], ...), count=(int, ...)
    )


class Page(Schema):
    """Which page of a list: `limit` rows from `offset` (the list's `count` tells them all)."""

    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


def SchemaOf(source: type, *, base: type[Schema] = Schema, **types: Any) -> type[Schema]:
    """The fields of a service's input dataclass as an API schema, written once, in the
    service: each with the dataclass's type and default, but where `types` gives the API's
    own type (a code where the service takes a row, a date checked for sanity)."""
    hints = get_type_hints(source)
    fields = {}
    for f in dataclasses.fields(source):
        if f.default_factory is not dataclasses.MISSING:
            default = Field(default_factory=f.default_factory)
        else:
            default = ... if f.default is dataclasses.MISSING else f.default
        fields[f.name] = (types.get(f.name, hints[f.name]), default)
    return create_model(source.__name__, __base__=base, **fields)


@cache
def FiltersOf(filters: type) -> type[Page]:
    """The query parameters of a list: the fields of the filters its service takes (a
    dataclass whose every field has a default), then the page; `.dict(exclude={"limit",
    "offset"})` gives the filters back to the service."""
    return SchemaOf(filters, base=Page)


# A database id: positive and within a signed 64-bit column, so that a huge number in a URL
# or a body is a validation error, not an overflow in the database driver.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class TimelineEventOut(Schema):
    """One line of a timeline (a request's, a volunteer's): who did what, when."""

    at: datetime
    actor: str | None
    kind: str
    from_status: str
    to_status: str
    text: str


# A line's opening hours are a wall-clock time in the line's own zone, without an offset:
# JSON Schema's `format: time` demands one (RFC 3339 full-time), so the format is a pattern.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
            "description": "Local wall-clock time, HH:MM[:SS], in the line's time zone.",
        }
    ),
]


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    """The one error shape of the API (vmeste/api.py turns every refusal into it)."""

    error: ErrorDetail


_ERROR_MEANINGS = {
    400: "Malformed request (e.g. a body that is not JSON).",
    401: "No valid token or session.",
    403: "The caller's role lacks the right for this operation.",
    404: "Not found, or outside the caller's scope (never told apart).",
    409: "Conflict: a stale version, a state that forbids the change, a reused key.",
    422: "Invalid input: the fields that are wrong are named in `error.fields`.",
}


def error_statuses(method: str, *, authenticated: bool) -> list[int]:
    """The refusals any operation may answer, whatever the view: its role and scope (401,
    403, 404), its input (422) and, for a write, its body and concurrency (400, 409)."""
    statuses = [404, 422]
    if authenticated:
        statuses += [401, 403]
    if method in ("post", "put", "patch", "delete"):
        statuses += [400, 409]
    return sorted(statuses)


def document_errors(openapi: dict) -> dict:
    """Adds the error shape and the standard refusals to every operation of the schema."""
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    shape = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(shape.pop("$defs", {}))
    components["ErrorOut"] = shape
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in openapi.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            authenticated = bool(operation.get("security"))
            for status in error_statuses(method, authenticated=authenticated):
                responses.setdefault(
                    status, {"description": _ERROR_MEANINGS[status], "content": error_content}
                )
    return openapi
