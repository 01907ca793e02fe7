"""Who is asking: the API's bearer token read once, and a session's lifetime enforced.

The idempotency middleware (core) replays stored answers only to the principal who got
them, so it must know the caller before the API's own authentication runs; it reads
`request.user`, which this sets from the token (sessions are set by Django's middleware)."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from vmeste.accounts import twofactor
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


STARTED, SEEN = "vmeste_started", "vmeste_seen"
TOUCH_EVERY = 60  # seconds: a session is written at most once a minute to note activity


def clock() -> float:
    return time.time()


def session_expired(session, now: float) -> bool:
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        return False
    return (
        now - seen > settings.SESSION_IDLE_SECONDS
        or now - started > settings.SESSION_MAX_AGE_SECONDS
    )


def start_session_clock(sender, request: HttpRequest, user, **kwargs) -> None:
    """At sign-in (user_logged_in): the session's age and idle time count from here, written
    with the sign-in itself rather than by the first page after it."""
    if getattr(request, "session", None) is not None:
        now = clock()
        request.session[STARTED] = now
        request.session[SEEN] = now


class SessionLifetimeMiddleware:
    """A signed-in session ends after VMESTE_SESSION_IDLE_MINUTES without a request, and in
    any case VMESTE_SESSION_MAX_HOURS after sign-in: a workstation left open, or a stolen
    cookie, does not stay signed in for days."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = clock()
            if session_expired(session, now):
                logout(request)  # the request goes on as anonymous: sign-in page or 401
            else:
                if STARTED not in session:
                    session[STARTED] = now
                if now - session.get(SEEN, 0) >= TOUCH_EVERY:
                    session[SEEN] = now
        return self.get_response(request)


# Reachable before the second step: signing in and out, the step itself, static files.
TWO_FACTOR_OPEN = ("/accounts/", "/static/", "/healthz", "/i18n/")


class TwoFactorMiddleware:
    """A session of a role that must use two-factor sign-in (accounts.twofactor) reaches
    nothing but the second step until it is passed: pages redirect there, the API answers
    401. Bearer tokens are not sessions and are not asked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_verify(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "code": "two_factor_required",
                            "message": _("Завершите вход: нужен код подтверждения."),
                            "fields": {},
                        }
                    },
                    status=401,
                )
            name = "twofactor_verify" if twofactor.is_enrolled(request.user) else "twofactor_setup"
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(f'accounts:{name}')}?{query}")
        return self.get_response(request)

    @staticmethod
    def _must_verify(request: HttpRequest) -> bool:
        if getattr(request, "bearer_token", None) or request.path.startswith(TWO_FACTOR_OPEN):
            return False
        user = getattr(request, "user", None)
        if user is None or not twofactor.required_for(user):
            return False
        return not user.is_verified()
