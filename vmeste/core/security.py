"""Response headers every answer needs and Django 5.2 does not set by itself.

- Content-Security-Policy: scripts, styles, images and connections from this server only,
  no inline script, no plugins, no framing. The pages keep to it: no inline <script> or
  style attribute, htmx from our static files, Swagger UI from ninja's own static files.
- Cache-Control: no-store on every answer given to a signed-in user and on every API
  answer: personal data must not stay in a shared proxy's or a browser's disk cache.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def _personal(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return request.path.startswith("/api/") or bool(user and user.is_authenticated)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if _personal(request):
            add_never_cache_headers(response)
        return response
