"""Reference data: regions, lines and categories, readable by every signed-in client."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from vmeste.core import services
from vmeste.core.schemas import ListOf, LocalTime
from vmeste.core.scoping import scoped

router = Router(tags=["reference"])


class RegionOut(Schema):
    code: str
    name: str
    name_ru: str
    name_en: str
    federal_district: str
    time_zone: str


class CategoryOut(Schema):
    code: str
    name: str
    name_ru: str
    name_en: str
    parent: str | None
    deadline_hours: int


class LineOut(Schema):
    code: str
    name: str
    name_ru: str
    name_en: str
    phones: list[str]
    is_24_7: bool
    opens_at: LocalTime | None
    closes_at: LocalTime | None
    regions: list[str]
    categories: list[str]
    intake_fields: list[dict]


@router.get("/regions", response=ListOf(RegionOut))
def list_regions(request: HttpRequest):
    items = list(services.regions())
    return {"items": items, "count": len(items)}


@router.get("/categories", response=ListOf(CategoryOut))
def list_categories(request: HttpRequest):
    items = [
        {**c.__dict__, "name": c.name, "parent": c.parent.code if c.parent else None}
        for c in services.categories()
    ]
    return {"items": items, "count": len(items)}


@router.get("/lines", response=ListOf(LineOut))
def list_lines(request: HttpRequest):
    lines = scoped(services.lines(), request.user)
    items = [
        {
            **line.__dict__,
            "name": line.name,
            "regions": [r.code for r in line.regions.all()],
            "categories": [c.code for c in line.categories.all()],
        }
        for line in lines
    ]
    return {"items": items, "count": len(items)}
