"""What the role × endpoint matrix calls: every API operation (from the OpenAPI document) and
every page (from the URL resolver), filled with in-scope or out-of-scope records.

Nothing here decides what an answer should be: that is `rules.py`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

# Path parameters that name a scoped record: the matrix fills them with the record of that
# kind inside the users' region (RU-VGG) or outside it (RU-SAM).
RECORD_PARAMS = {
    "person_id": "person",
    "request_id": "request",
    "contact_id": "contact",
    "delivery_id": "delivery",
    "referral_id": "referral",
    "volunteer_id": "volunteer",
}


@dataclass(frozen=True)
class Endpoint:
    key: str  # "GET /api/v1/requests/{request_id}" or "page assistance:request_detail"
    method: str
    path: str  # with {name} placeholders
    schema: dict | None = None  # the operation's OpenAPI object (API only)

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def record(self) -> str | None:
        kinds = [RECORD_PARAMS[p] for p in self.params if p in RECORD_PARAMS]
        return kinds[0] if kinds else None


def api_endpoints(openapi: dict) -> list[Endpoint]:
    return [
        Endpoint(f"{method.upper()} {path}", method.upper(), path, operation)
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
    ]


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}:{pattern.name}"


def _as_path(route: str) -> str:
    # Django's "<int:pk>" as "{pk}"; regex routes (the admin's) are left to the caller.
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def page_endpoints() -> list[Endpoint]:
    """Every page and form target: the resolver's routes, without the API (matched through
    the OpenAPI) and the admin's per-model routes (the admin site is one rule)."""
    found = {}
    for route, name in _walk(get_resolver().url_patterns):
        if route.startswith("api/v1/") or (route.startswith("admin/") and route != "admin/"):
            continue
        found.setdefault(f"page {name}", Endpoint(f"page {name}", "GET", _as_path(route)))
    return list(found.values())


# --- bodies ------------------------------------------------------------------------------


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example(schema: dict, components: dict, depth: int = 0):
    """A minimal value of the right shape: required fields only, so that validation passes
    and the service's own checks (rights first) decide the answer."""
    schema = _resolve(schema, components)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return example(options[0], components, depth) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        props = schema.get("properties", {})
        wanted = [n for n in props if n in schema.get("required", []) or n in KNOWN]
        return {name: _named(name, props[name], components, depth + 1) for name in wanted}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    return _string(schema)


# Strings the services look up (a line's code, a phone): a valid value, so that the service's
# own checks decide the answer rather than an unknown code.
KNOWN = {
    "line": "volgograd-volunteers",
    "code": "volgograd-volunteers",  # a line's code (vmeste/launch)
    "region": "RU-VGG",
    "category": "groceries-delivery",
    "phone": "+79990001122",
    "caller_number": "+79990001122",
    "centre": "ru-vgg",
    "fmt": "csv",
    "slug": "matrix-article",
    "description": "Нужны продукты",
    "consent": True,
}


def _string(schema: dict, name: str = "") -> str:
    if name in KNOWN:
        return KNOWN[name]
    fmt = schema.get("format")
    now = timezone.now()
    if fmt == "date-time":
        return (now + timedelta(hours=1)).isoformat()
    if fmt == "time":
        return "08:00:00"
    if fmt == "date":
        return (now.date() - timedelta(days=30 * 365)).isoformat()
    if "pattern" in schema and "0-9" in schema["pattern"]:
        return "08:00"
    return "x" * max(1, schema.get("minLength", 1))


def _named(name: str, schema: dict, components: dict, depth: int):
    if name in KNOWN:
        return KNOWN[name]
    return example(schema, components, depth)


def query_of(endpoint: Endpoint, components: dict) -> dict:
    """The required query parameters (and the known ones), with values of the right shape."""
    return {
        p["name"]: _named(p["name"], p.get("schema", {}), components, 1)
        for p in (endpoint.schema or {}).get("parameters", [])
        if p.get("in") == "query" and (p.get("required") or p["name"] in KNOWN)
    }


def body_of(endpoint: Endpoint, components: dict) -> str | None:
    content = (endpoint.schema or {}).get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    if media is None:
        return None
    return json.dumps(example(media["schema"], components))
