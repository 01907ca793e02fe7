"""The edge every request crosses before a view: text no database can store is refused here,
once for every field, and a service's refusal raised inside a page becomes that page's 4xx.

Why at the edge: PostgreSQL refuses a NUL character in text and both drivers refuse a lone
UTF-16 surrogate (`"\\ud800"` in JSON), each with its own exception deep inside a write;
checking every field of every form and schema would miss the next one added.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from vmeste.core.errors import ServiceError

# A JSON body can only carry a NUL or a lone surrogate as an escape (raw control characters
# are invalid JSON, raw surrogates invalid UTF-8), so the body is parsed only when one appears.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> bool:
    """A NUL or a lone surrogate: a character that no database we run on keeps."""
    return _UNSTORABLE.search(text) is not None


def _json_paths(value, path: str = "") -> Iterator[str]:
    """The dotted paths of every key or string in a JSON value holding an unstorable char."""
    if isinstance(value, str):
        if unstorable(value):
            yield path or "__all__"
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if unstorable(str(key)):
                yield child
            yield from _json_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_paths(item, f"{path}.{index}" if path else str(index))


def _json_problems(request: HttpRequest) -> list[str]:
    body = request.body
    if not _SUSPECT_ESCAPE.search(body):
        return []
    try:
        parsed = json.loads(body)
    except ValueError:
        return []  # not JSON at all: the view's own parser answers that
    return list(_json_paths(parsed))


def _form_problems(request: HttpRequest) -> list[str]:
    # A multipart body sent to the API (a recording's upload) is left to its view: parsing
    # it here would leave the raw body unreadable for the Idempotency-Key check after us.
    multipart = request.content_type.startswith("multipart/")
    posted = request.method == "POST" and not (multipart and request.path.startswith("/api/"))
    sources = [request.GET, request.POST] if posted else [request.GET]
    fields = [
        name
        for data in sources
        for name, values in data.lists()
        for value in [name, *values]
        if unstorable(value)
    ]
    return list(dict.fromkeys(fields))


def problems(request: HttpRequest) -> list[str]:
    """The names of the fields (query, form or JSON body) holding unstorable text."""
    found = []
    # The API parses a body as JSON whatever its declared type, so every API body is read;
    # the body first, as a form parsed from the stream would leave it unreadable.
    multipart = request.content_type.startswith("multipart/")
    is_json = "json" in request.content_type or (request.path.startswith("/api/") and not multipart)
    if request.method in ("POST", "PUT", "PATCH") and is_json:
        found += _json_problems(request)
    return _form_problems(request) + found


class InputGuardMiddleware:
    """Refuses, with 422 and the fields named, any input carrying unstorable text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = problems(request)
        if not fields:
            return self.get_response(request)
        message = _("Текст содержит недопустимые символы (NUL или одиночный суррогат).")
        if request.path.startswith("/api/"):
            error = {"code": "invalid_characters", "message": message}
            error["fields"] = {name: [message] for name in fields}
            return JsonResponse({"error": error}, status=422)
        return _refusal_page(request, 422, message)


class ServiceErrorPageMiddleware:
    """A service's refusal escaping a page view (an unknown centre in a query, a record out of
    scope, a right the user lacks) is that status with its message, never a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None  # the API has its own handlers and error shape
        if isinstance(exc, ServiceError):
            return _refusal_page(request, exc.status, exc.message, exc.fields)
        if isinstance(exc, OverflowError | DataError):
            # A number typed into a URL that the database cannot hold (SQLite's 64 bits).
            return _refusal_page(request, 422, _("Значение вне допустимого диапазона."))
        return None


def _refusal_page(
    request: HttpRequest, status: int, message: str, fields: dict | None = None
) -> HttpResponse:
    context = {"status": status, "message": message, "fields": fields or {}}
    return render(request, "refusal.html", context, status=status)
