"""The API's bearer token, read once before anything that needs to know who is asking.

The idempotency middleware (core) replays stored answers only to the principal who got
them, so it must know the caller before the API's own authentication runs; it reads
`request.user`, which this sets from the token (sessions are set by Django's middleware)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from vmeste.accounts.models import ApiToken

PREFIX = "bearer "


def bearer_token(request: HttpRequest) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header[len(PREFIX) :].strip() if header.lower().startswith(PREFIX) else ""


class BearerTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = bearer_token(request) if request.path.startswith("/api/") else ""
        if raw:
            user = ApiToken.authenticate(raw)
            if user is not None:
                request.user = user
                # The API's authentication takes this answer instead of asking again.
                request.bearer_token = raw
        return self.get_response(request)
