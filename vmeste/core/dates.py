"""Dates and moments a person can mean, checked once at the edge (API schemas, forms, query
parameters) so that a typo like 9999-12-31 never reaches a row that every later page reads
(a moment near the end of the calendar overflows when shown in a local time zone).

Three kinds: a birth date or any calendar date (a document's validity, a report's period) lies
in 1900..2100; an event — a call, a delivery window — lies within a year of now.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator

from vmeste.core.errors import ValidationFailed

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)
EVENT_REACH = timedelta(days=366)


def date_problem(value: date | None) -> str | None:
    """Why a calendar date (a birth date, a validity, a period's end) is refused, or None."""
    if value is None or FIRST_DAY <= value <= LAST_DAY:
        return None
    return _("Дата вне допустимого диапазона (%(first)s — %(last)s).") % {
        "first": FIRST_DAY.isoformat(),
        "last": LAST_DAY.isoformat(),
    }


def moment_problem(value: datetime | None, *, now: datetime | None = None) -> str | None:
    """Why the moment of an event (a call, a delivery window) is refused, or None."""
    if value is None:
        return None
    now = now or timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if now - EVENT_REACH <= value <= now + EVENT_REACH:
        return None
    return _("Время события должно быть в пределах года от текущего момента.")


def check_date(value: date | None, *, field: str) -> date | None:
    if problem := date_problem(value):
        raise ValidationFailed({field: problem})
    return value


def check_moment(value: datetime | None, *, field: str) -> datetime | None:
    if problem := moment_problem(value):
        raise ValidationFailed({field: problem})
    return value


def read_date(text: str) -> tuple[date | None, str | None]:
    """A typed date and why it is refused: (None, None) when empty, (the date, None) when
    readable and in range, (None, why not) otherwise. For the forms that gather every
    problem before they answer; `parse_date` refuses at once."""
    if not text:
        return None, None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None, _("Дата в виде ГГГГ-ММ-ДД.")
    problem = date_problem(value)
    return (None, problem) if problem else (value, None)


def parse_date(text: str, *, field: str) -> date | None:
    """A query or form value as a date: empty is None, anything else valid or refused."""
    value, problem = read_date(text)
    if problem:
        raise ValidationFailed({field: problem})
    return value


def _date_or_error(value: date | None) -> date | None:
    if problem := date_problem(value):
        raise ValueError(problem)
    return value


def _moment_or_error(value: datetime | None) -> datetime | None:
    if problem := moment_problem(value):
        raise ValueError(problem)
    return value


def _calendar_moment_or_error(value: datetime | None) -> datetime | None:
    """A moment another system stamped (the telephony's clock): its date in 1900..2100."""
    if value is not None and (problem := date_problem(value.date())):
        raise ValueError(problem)
    return value


# For API schemas: the same checks as pydantic validators (a 422 naming the field).
SaneDate = Annotated[date, AfterValidator(_date_or_error)]
EventMoment = Annotated[datetime, AfterValidator(_moment_or_error)]
# A machine's event, replayed or late as it may be: only the calendar's range is checked.
CalendarMoment = Annotated[datetime, AfterValidator(_calendar_moment_or_error)]


def validate_date(value: date | None) -> None:
    """The same check as a Django form field's validator."""
    if problem := date_problem(value):
        raise DjangoValidationError(problem)
