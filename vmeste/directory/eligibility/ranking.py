"""Which services can cover the needs that measures leave open, in the person's region.

Pure: services arrive as `ServiceSpec`s. A service scores for the needs it covers (the exact
subcategory counts more than its section), for working in the person's region (more than a
nationwide service), and is left out when the person's age is outside its age range.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ServiceSpec:
    id: str
    name: str
    organization: str
    needs: frozenset[str]  # category codes, sections and subcategories
    regions: frozenset[str] = frozenset()  # empty: nationwide
    minimum_age: float | None = None
    maximum_age: float | None = None


@dataclass
class Ranked:
    service: ServiceSpec
    score: int
    reasons: list[str] = field(default_factory=list)
    covers: list[str] = field(default_factory=list)


def rank_services(
    services: list[ServiceSpec],
    *,
    region: str | None,
    needs: list[tuple[str, str | None]],  # (section, subcategory or None)
    age: int | None,
    need_names: dict[str, str],
    limit: int = 20,
) -> list[Ranked]:
    ranked: list[Ranked] = []
    for s in services:
        if s.regions and region not in s.regions:
            continue
        if age is not None and (
            (s.minimum_age is not None and age < s.minimum_age)
            or (s.maximum_age is not None and age > s.maximum_age)
        ):
            continue
        score, reasons, covers = 0, [], []
        for section, sub in needs:
            if sub and sub in s.needs:
                score += 3
                covers.append(sub)
                reasons.append(_("помогает: %s") % need_names.get(sub, sub))
            elif section in s.needs:
                score += 2
                covers.append(section)
                reasons.append(_("помогает: %s") % need_names.get(section, section))
        if needs and not covers:
            continue
        if s.regions:
            score += 2
            reasons.append(_("работает в регионе"))
        else:
            score += 1
            reasons.append(_("работает по всей стране"))
        ranked.append(Ranked(s, score, reasons, covers))
    ranked.sort(key=lambda r: (-r.score, r.service.name, r.service.id))
    return ranked[:limit]
