"""Centres from their own page: list, create, change (name, kind, region, the lines served,
whether agents take calls only on their shift), each change kept with its diff.

A centre's time zone is its region's (``volunteers.shifts.centre_zone``): shown, not edited.
Supervisors and administrators only; one limited to regions sees and changes the centres of
those regions and creates none for the whole country.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vmeste.core import services as core
from vmeste.core.errors import NotFound, ValidationFailed
from vmeste.core.models import Centre, Line, Region
from vmeste.core.scoping import scoped, user_scope
from vmeste.core.timeline import record_event
from vmeste.launch import diff
from vmeste.launch.checks_routing import SLUG
from vmeste.launch.models import LATEST_FIRST, CentreChange
from vmeste.launch.services import require_launcher
from vmeste.volunteers import services as volunteers
from vmeste.volunteers.models import Requirements


@dataclass
class CentreData:
    code: str
    name_ru: str
    name_en: str = ""
    kind: str = Centre.Kind.REGIONAL
    region: str = ""  # region code; "" for a centre of the whole country
    lines: list[str] = field(default_factory=list)
    agents_on_shift_only: bool = False


def centres_for(user) -> QuerySet[Centre]:
    """The centres in the user's regions (all of them for an unlimited user)."""
    require_launcher(user)
    regions, _lines = user_scope(user)
    centres = Centre.objects.select_related("region").prefetch_related("lines")
    return centres.filter(region__in=regions) if regions else centres


def centre_for(*, code: str, user) -> Centre:
    centre = centres_for(user).filter(code=code).first()
    if centre is None:
        raise NotFound(_("Нет колл-центра «%s» в вашей зоне.") % code)
    return centre


def time_zone(centre: Centre) -> str:
    return centre.region.time_zone if centre.region_id else settings.TIME_ZONE


def snapshot(centre: Centre | None) -> dict:
    if centre is None:
        return {}
    row = Requirements.objects.filter(centre=centre).first()
    return {
        "name_ru": centre.name_ru,
        "name_en": centre.name_en,
        "kind": centre.kind,
        "region": centre.region.code if centre.region_id else "",
        "lines": sorted(line.code for line in centre.lines.all()),
        "agents_on_shift_only": bool(row and row.agents_on_shift_only),
    }


def save(*, data: CentreData, user, create: bool) -> tuple[Centre, list[str]]:
    """Create a centre (``create``) or change one the user may see; the diff it made."""
    require_launcher(user, regions=[data.region] if data.region else [])
    existing = Centre.objects.filter(code=data.code).first()
    if create and existing is not None:
        raise ValidationFailed({"code": _("Код «%s» уже занят.") % data.code})
    if not create:
        existing = centre_for(code=data.code, user=user)
    lines = _check(data, user)
    before = snapshot(existing)
    with transaction.atomic():
        centre, _changed = core.save_centre(
            code=data.code,
            values={"name_ru": data.name_ru, "name_en": data.name_en, "kind": data.kind},
            region=data.region or None,
        )
        core.set_centre_lines(centre=centre, lines=lines)
        _shift_setting(centre, data.agents_on_shift_only)
        centre = Centre.objects.prefetch_related("lines").get(pk=centre.pk)
        changes = diff.between(before, snapshot(centre))
        if changes:
            kind = CentreChange.Kind.CREATED if create else CentreChange.Kind.CHANGED
            record_event(centre, kind, actor=user, data={"diff": changes})
    return centre, changes


def _check(data: CentreData, user) -> list[Line]:
    errors: dict[str, str] = {}
    if not SLUG.match(data.code or ""):
        errors["code"] = _("Код — латинские буквы, цифры и дефис.")
    if not data.name_ru.strip():
        errors["name_ru"] = _("Укажите название.")
    if data.kind not in Centre.Kind.values:
        errors["kind"] = _("Тип — федеральный или региональный.")
    if data.region and not Region.objects.filter(code=data.region).exists():
        errors["region"] = _("Нет такого региона.")
    if data.kind == Centre.Kind.REGIONAL and not data.region:
        errors["region"] = _("У регионального колл-центра должен быть регион.")
    lines = list(scoped(Line.objects.filter(code__in=data.lines), user))
    unknown = sorted(set(data.lines) - {line.code for line in lines})
    if unknown:
        errors["lines"] = _("Нет линий в вашей зоне: %s.") % ", ".join(unknown)
    if errors:
        raise ValidationFailed(errors, _("Колл-центр не сохранён."))
    return lines


def _shift_setting(centre: Centre, on_shift_only: bool) -> None:
    """The setting lives with the centre's volunteer requirements (their defaults else)."""
    row = Requirements.objects.filter(centre=centre).first()
    if row is None and not on_shift_only:
        return
    values = {"agents_on_shift_only": on_shift_only}
    if row is not None:
        values = {f.name: getattr(row, f.name) for f in row._meta.concrete_fields
                  if f.name not in ("id", "centre")} | values  # fmt: skip
    volunteers.save_requirements(centre=centre, values=values)


def history(*, centre: Centre) -> QuerySet[CentreChange]:
    return (
        CentreChange.objects.filter(centre=centre).select_related("actor").order_by(*LATEST_FIRST)
    )
