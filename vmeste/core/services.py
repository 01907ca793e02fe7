"""Reads of the reference data, with the lookups other apps use to turn codes into rows;
the purge of expired idempotency answers."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vmeste.core import idempotency, public_forms, refcache
from vmeste.core.errors import ValidationFailed
from vmeste.core.models import Category, Line, Region


def regions() -> QuerySet[Region]:
    return Region.objects.order_by("code")


def categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("parent")


def lines() -> QuerySet[Line]:
    return Line.objects.filter(is_active=True).prefetch_related("regions", "categories")


def region_by_code(code: str, *, field: str = "region") -> Region:
    region = refcache.snapshot().region_codes.get((code or "").strip().upper())
    if region is None:
        raise ValidationFailed({field: _("Неизвестный код региона: «%s».") % code})
    return region


def line_by_code(code: str, *, field: str = "line") -> Line:
    line = refcache.snapshot().line_codes.get((code or "").strip())
    if line is None or not line.is_active:
        raise ValidationFailed({field: _("Неизвестная линия: «%s».") % code})
    return line


def category_by_code(code: str, *, field: str = "category") -> Category:
    category = refcache.snapshot().category_codes.get((code or "").strip())
    if category is None or not category.is_active:
        raise ValidationFailed({field: _("Неизвестная категория: «%s».") % code})
    return category


def purge_expired_idempotency(now: datetime) -> int:
    """Drop the stored answers to Idempotency-Keys older than VMESTE_IDEMPOTENCY_TTL_HOURS
    (run on a schedule; also `vmeste purge-idempotency`). The number of answers dropped."""
    return idempotency.purge_expired(now)


def purge_expired_form_submissions(now: datetime) -> int:
    """Drop the public forms' submission ledger older than a day (the limits look back an
    hour, tokens live a day). Run on a schedule with the idempotency purge."""
    return public_forms.purge_submissions(now)
