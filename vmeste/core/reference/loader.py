"""Upsert the reference lists by code. Called by migrations with historical models.

The lists are data files beside this module (data/*.json), read by `read`:
- regions.json: the 89 federal subjects of Russia. Codes are ISO 3166-2:RU where the
  standard has one (83 subjects). Six subjects have no ISO 3166-2:RU code; Vmeste gives them
  documented codes of the same shape, never reused: RU-CR (Republic of Crimea), RU-SEV
  (Sevastopol), RU-DPR (Donetsk People's Republic), RU-LPR (Luhansk People's Republic),
  RU-ZAP (Zaporozhye Oblast), RU-KHE (Kherson Oblast). Time zones are IANA names.
- categories.json: the two-level taxonomy of needs. Deadlines are hours from registration
  to resolution; a sub-category without one (null) takes its parent's.
- lines.json: the hotlines described in the seeds. Only the national number is published in
  them; the other lines get their numbers from the administrator. Empty `regions` or
  `categories` mean all; `categories` names top-level codes, their children come along.
"""

from __future__ import annotations

import json
from datetime import time
from importlib import resources
from typing import Any


def read(name: str) -> list[dict[str, Any]]:
    """One reference list, e.g. read("regions")."""
    return json.loads(
        resources.files(__package__).joinpath("data", f"{name}.json").read_text("utf-8")
    )


def load_reference(*, Region, Category, Line) -> None:
    for region in read("regions"):
        Region.objects.update_or_create(code=region.pop("code"), defaults=region)
    _load_categories(Category)
    _load_lines(Line, Region, Category)


def _load_categories(Category) -> None:
    for position, top in enumerate(read("categories")):
        children = top.pop("children")
        parent, _ = Category.objects.update_or_create(
            code=top.pop("code"), defaults={**top, "position": position * 100, "parent": None}
        )
        for sub_position, child in enumerate(children, 1):
            Category.objects.update_or_create(
                code=child.pop("code"),
                defaults={
                    **child,
                    "deadline_hours": child["deadline_hours"] or top["deadline_hours"],
                    "position": position * 100 + sub_position,
                    "parent": parent,
                },
            )


def _load_lines(Line, Region, Category) -> None:
    for spec in read("lines"):
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
