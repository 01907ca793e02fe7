"""Reads of the reference data, with the lookups other apps use to turn codes into rows;
the purge of expired idempotency answers."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vmeste.core import idempotency, public_forms, refcache
from vmeste.core.errors import ValidationFailed
from vmeste.core.models import Category, Centre, Line, Region


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


def _assign(row, values: dict) -> bool:
    """Set the fields that differ; whether any did (an unchanged save writes nothing)."""
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return bool(changed)


def save_line(
    *, code: str, values: dict, regions: list[str], categories: list[str]
) -> tuple[Line, bool]:
    """Create or update a line from its configuration; whether anything changed. A new line
    starts closed (`is_active=False`): it is opened once its launch checklist passes."""
    line = Line.objects.filter(code=code).first()
    created = line is None
    if created:
        line = Line(code=code, is_active=False)
    changed = _assign(line, values) or created
    if changed:
        line.save()
    wanted_regions = set(Region.objects.filter(code__in=regions))
    wanted_categories = set(Category.objects.filter(code__in=categories))
    if set(line.regions.all()) != wanted_regions:
        line.regions.set(wanted_regions)
        changed = True
    if set(line.categories.all()) != wanted_categories:
        line.categories.set(wanted_categories)
        changed = True
    return line, changed


def set_line_open(*, line: Line, is_open: bool) -> None:
    """Open or close a line for calls; the launch checklist decides whether it may open."""
    if line.is_active != is_open:
        line.is_active = is_open
        line.save(update_fields=["is_active"])


def save_centre(*, code: str, values: dict, region: str | None) -> tuple[Centre, bool]:
    centre = Centre.objects.filter(code=code).first()
    created = centre is None
    if created:
        centre = Centre(code=code)
    values = {**values, "region": Region.objects.get(code=region) if region else None}
    if _assign(centre, values) or created:
        centre.save()
        return centre, True
    return centre, False


def set_line_centres(*, line: Line, centres: list[Centre]) -> bool:
    """The centres whose agents serve the line: exactly these."""
    current = set(Centre.objects.filter(lines=line))
    wanted = set(centres)
    for centre in current - wanted:
        centre.lines.remove(line)
    for centre in wanted - current:
        centre.lines.add(line)
    return current != wanted


def set_centre_lines(*, centre: Centre, lines: list[Line]) -> bool:
    """The lines the centre's agents serve: exactly these."""
    current = set(centre.lines.all())
    if current == set(lines):
        return False
    centre.lines.set(lines)
    return True


def purge_expired_idempotency(now: datetime) -> int:
    """Drop the stored answers to Idempotency-Keys older than VMESTE_IDEMPOTENCY_TTL_HOURS
    (run on a schedule; also `vmeste purge-idempotency`). The number of answers dropped."""
    return idempotency.purge_expired(now)


def purge_expired_form_submissions(now: datetime) -> int:
    """Drop the public forms' submission ledger older than a day (the limits look back an
    hour, tokens live a day). Run on a schedule with the idempotency purge."""
    return public_forms.purge_submissions(now)
