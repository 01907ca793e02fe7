"""API v1: one NinjaAPI, token or session auth, one error shape, routers from each app."""

from __future__ import annotations

import importlib
import importlib.util

from django.conf import settings
from django.db import DataError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from vmeste.accounts.models import ApiToken
from vmeste.core.errors import ServiceError
from vmeste.core.schemas import document_errors


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        if token and getattr(request, "bearer_token", None) == token:
            return request.user  # already read by accounts.middleware.BearerTokenMiddleware
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class VmesteApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        # Views declare their success; the refusals every operation may answer are added
        # here once, so no operation's 401/403/404/409/422 goes undocumented.
        return document_errors(super().get_openapi_schema(**kwargs))


api = VmesteApi(
    title="Vmeste API",
    version="1",
    description="Контакты, заявки, люди и показатели горячих линий Vmeste.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api-v1",
    docs_url="/docs",
)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_name(loc: list) -> str:
    # ninja reports ("body", "payload", "person", "phone"); users want "person.phone".
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "filters")]
    return ".".join(parts) or "__all__"


def _type_message(kind: str) -> str | None:
    """pydantic's English for a value of the wrong type, said in Russian (None: keep its own
    message, which our validators already write in Russian)."""
    messages = {
        "missing": _("Обязательное поле."),
        "bool_type": _("Ожидалось true или false."),
        "bool_parsing": _("Ожидалось true или false."),
        "string_type": _("Ожидалась строка."),
        "int_type": _("Ожидалось целое число."),
        "int_parsing": _("Ожидалось целое число."),
        "list_type": _("Ожидался список."),
        "date_parsing": _("Дата в виде ГГГГ-ММ-ДД."),
        "date_from_datetime_parsing": _("Дата в виде ГГГГ-ММ-ДД."),
    }
    return messages.get(kind)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        message = _type_message(error.get("type", "")) or error.get("msg", "")
        fields.setdefault(_field_name(list(error.get("loc", []))), []).append(message)
    return api.create_response(
        request, error_body("validation", _("Проверьте заполнение полей."), fields), status=422
    )


@api.exception_handler(ServiceError)
def on_service_error(request: HttpRequest, exc: ServiceError):
    return api.create_response(
        request, error_body(exc.code, exc.message, exc.fields), status=exc.status
    )


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request: HttpRequest, exc: Exception):
    # A value the schema let through but the database cannot hold (a 30-digit offset, …):
    # the client's input, not our failure.
    return api.create_response(
        request,
        error_body("out_of_range", _("Значение вне допустимого диапазона.")),
        status=422,
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, error_body("not_found", _("Не найдено.")), status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request, error_body("unauthenticated", _("Нужен токен или вход в систему.")), status=401
    )


# Django Ninja's own refusals, said in the site's language.
NINJA_MESSAGES = {
    "Cannot parse request body": gettext_lazy("Не удалось разобрать тело запроса: ждём JSON."),
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    message = str(exc.message)
    return api.create_response(
        request,
        error_body("http_error", str(NINJA_MESSAGES.get(message, message))),
        status=exc.status_code,
    )


def _mount() -> None:
    """Each domain app with an `api.py` contributes its `router` at the API root."""
    for app in settings.DOMAIN_APPS:
        module = f"vmeste.{app}.api"
        if importlib.util.find_spec(module) is not None:
            api.add_router("/", importlib.import_module(module).router)


_mount()
