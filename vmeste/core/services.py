"""Reads of the reference data, with the lookups other apps use to turn codes into rows."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vmeste.core.errors import ValidationFailed
from vmeste.core.models import Category, Line, Region


def regions() -> QuerySet[Region]:
    return Region.objects.order_by("code")


def categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("parent")


def lines() -> QuerySet[Line]:
    return Line.objects.filter(is_active=True).prefetch_related("regions", "categories")


def region_by_code(code: str, *, field: str = "region") -> Region:
    region = Region.objects.filter(code=(code or "").strip().upper()).first()
    if region is None:
        raise ValidationFailed({field: _("Неизвестный код региона: «%s».") % code})
    return region


def line_by_code(code: str, *, field: str = "line") -> Line:
    line = Line.objects.filter(code=(code or "").strip(), is_active=True).first()
    if line is None:
        raise ValidationFailed({field: _("Неизвестная линия: «%s».") % code})
    return line


def category_by_code(code: str, *, field: str = "category") -> Category:
    category = (
        Category.objects.select_related("parent")
        .filter(code=(code or "").strip(), is_active=True)
        .first()
    )
    if category is None:
        raise ValidationFailed({field: _("Неизвестная категория: «%s».") % code})
    return category
