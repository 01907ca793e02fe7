"""Activate the signed-in user's chosen language before Django's LocaleMiddleware decides."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The session is loaded lazily; reading the user here costs one query only when a
        # session cookie exists, and the page needs the user anyway.
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language and not request.COOKIES.get("django_language"):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
