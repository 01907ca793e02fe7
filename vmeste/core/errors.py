"""The one error every service raises; the API and the UI turn it into their own shape."""

from __future__ import annotations

from django.utils.translation import gettext as _


class ServiceError(Exception):
    """A refusal with a reason the user can read, and the fields it concerns."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields: dict[str, list[str]] = {
            name: [errors] if isinstance(errors, str) else list(errors)
            for name, errors in (fields or {}).items()
        }


class ValidationFailed(ServiceError):
    status = 422

    def __init__(self, fields: dict, message: str | None = None, *, code: str = "validation"):
        super().__init__(message or _("Проверьте заполнение полей."), code=code, fields=fields)


class NotFound(ServiceError):
    status = 404

    def __init__(self, message: str | None = None):
        super().__init__(message or _("Не найдено."), code="not_found")


class Forbidden(ServiceError):
    status = 403

    def __init__(self, message: str | None = None):
        super().__init__(message or _("Недостаточно прав."), code="forbidden")


class Conflict(ServiceError):
    status = 409

    def __init__(self, message: str, *, code: str = "conflict", fields: dict | None = None):
        super().__init__(message, code=code, fields=fields)


class FieldErrors:
    """Gathers the refusals of several checks, so the user sees every wrong field at once;
    each field keeps its first message."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def attempt(self, check, *args, **kwargs):
        """Run one check; its ValidationFailed is kept, and None is returned instead."""
        try:
            return check(*args, **kwargs)
        except ValidationFailed as exc:
            for name, messages in exc.fields.items():
                self.fields.setdefault(name, messages[0])
            return None

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields)
