"""Upsert the reference lists by code. Called by migrations with historical models."""

from __future__ import annotations

from datetime import time

from vmeste.core.reference.categories import CATEGORIES
from vmeste.core.reference.lines import LINES
from vmeste.core.reference.regions import REGIONS


def load_reference(*, Region, Category, Line) -> None:
    for code, name_ru, name_en, district, tz in REGIONS:
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name_ru": name_ru,
                "name_en": name_en,
                "federal_district": district,
                "time_zone": tz,
            },
        )
    for position, (code, name_ru, name_en, hours, children) in enumerate(CATEGORIES):
        top, _ = Category.objects.update_or_create(
            code=code,
            defaults={
                "name_ru": name_ru,
                "name_en": name_en,
                "deadline_hours": hours,
                "position": position * 100,
                "parent": None,
            },
        )
        for sub_position, (sub_code, sub_ru, sub_en, sub_hours) in enumerate(children, 1):
            Category.objects.update_or_create(
                code=sub_code,
                defaults={
                    "name_ru": sub_ru,
                    "name_en": sub_en,
                    "deadline_hours": sub_hours or hours,
                    "position": position * 100 + sub_position,
                    "parent": top,
                },
            )
    for spec in LINES:
        spec = dict(spec)
        region_codes = spec.pop("regions")
        category_codes = spec.pop("categories")
        for field in ("opens_at", "closes_at"):
            if spec.get(field):
                spec[field] = time.fromisoformat(spec[field])
        line, _ = Line.objects.update_or_create(code=spec.pop("code"), defaults=spec)
        line.regions.set(Region.objects.filter(code__in=region_codes))
        tops = Category.objects.filter(code__in=category_codes)
        line.categories.set(
            Category.objects.filter(code__in=category_codes)
            | Category.objects.filter(parent__in=tops)
        )
