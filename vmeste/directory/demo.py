"""`vmeste directory demo`: an invented directory and measures, every record marked «демо».

Organizations go through the HSDS import (deterministic ids, so a second run updates rather
than duplicates); measures and rules go through the same checks as the API."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import transaction

from vmeste.core.models import Category, Region
from vmeste.directory import services
from vmeste.directory.demo_data import FEDERAL, KINDS, PILOT_REGIONS, REGIONAL, RULES, WORDS
from vmeste.directory.eligibility.validate import validate
from vmeste.directory.hsds.importing import import_documents
from vmeste.directory.models import EligibilityRule, Measure, Organization, RegionFacts

NAMESPACE = uuid.UUID("6f1d3c1e-9a43-4c55-9a7e-5e6d0b7a4e10")
NEEDS_TAXONOMY = "needs"


def demo_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def need_taxonomy() -> list[dict]:
    """The core need categories as an HSDS taxonomy: term code = category code."""
    taxonomy = {
        "id": demo_id("taxonomy", NEEDS_TAXONOMY),
        "name": "Нужды Vmeste",
        "description": "Категории нужд горячих линий Vmeste (разделы и подкатегории).",
        "version": "1",
    }
    terms = []
    for category in Category.objects.select_related("parent"):
        term = {
            "id": demo_id("term", category.code),
            "code": category.code,
            "name": category.name_ru,
            "description": category.name_en or category.name_ru,
            "taxonomy": taxonomy["name"],
            "taxonomy_detail": taxonomy,
            "language": "ru",
        }
        if category.parent_id:
            term["parent_id"] = demo_id("term", category.parent.code)
        terms.append(term)
    return terms


def organization_doc(i: int, region: Region, *, nationwide: bool) -> tuple[dict, str]:
    kind, pattern, offered = KINDS[i % len(KINDS)]
    word = WORDS[(i // len(KINDS) + i) % len(WORDS)]
    org_id = demo_id("org", i)
    place = "вся Россия" if nationwide else region.name_ru
    location = {
        "id": demo_id("location", i),
        "location_type": "physical",
        "name": f"Офис (демо), {region.name_ru}",
        "addresses": [
            {
                "id": demo_id("address", i),
                "address_1": f"ул. Демонстрационная, {i + 1} (демо-адрес)",
                "city": region.name_ru,
                "state_province": region.code,
                "postal_code": "000000",
                "country": "RU",
                "address_type": "physical",
            }
        ],
    }
    services_doc = [
        _service_doc(i, n, name, needs, region=region, location=location, place=place,
                     nationwide=nationwide)
        for n, (name, needs) in enumerate(offered)
    ]  # fmt: skip
    doc = {
        "id": org_id,
        "name": pattern.format(word=word) + f" — {place} (демо)",
        "description": "Демонстрационная организация: вымышленная, для обучения и проверки.",
        "locations": [location],
        "services": services_doc,
    }
    return doc, kind


def _service_doc(
    i: int, n: int, name: str, needs: list[str], *, region, location, place, nationwide
) -> dict:
    phone = {"id": demo_id("phone", i, n), "number": f"+7000{i:04d}{n:03d}", "type": "voice"}
    schedule = {
        "id": demo_id("schedule", i, n),
        "freq": "WEEKLY",
        "byday": "MO,TU,WE,TH,FR",
        "opens_at": "09:00:00",
        "closes_at": "18:00:00",
        "description": "Пн–Пт 9–18 (демо)",
    }
    area = {"id": demo_id("area", i, n), "name": region.name_ru, "extent": region.code}
    return {
        "id": demo_id("service", i, n),
        "name": f"{name} (демо)",
        "description": f"Демо-услуга: {name.lower()}. {place}.",
        "status": "active",
        "application_process": "Позвонить по телефону или оставить заявку на линии.",
        "eligibility_description": "Демо: условия уточняются при обращении.",
        "phones": [{**phone, "description": "демо-номер"}],
        "schedules": [schedule],
        "service_areas": [] if nationwide else [{**area, "extent_type": "text"}],
        "service_at_locations": [{"id": demo_id("sal", i, n), "location": location}],
        "languages": [{"id": demo_id("language", i, n), "name": "русский", "code": "ru"}],
        "required_documents": [{"id": demo_id("document", i, n), "document": "паспорт"}],
        "attributes": [
            {
                "id": demo_id("attribute", i, n, code),
                "taxonomy_term_id": demo_id("term", code),
                "link_type": "need",
                "link_entity": "service",
                "value": code,
            }
            for code in needs
        ],
    }


def region_facts() -> int:
    """A demo subsistence minimum for every region: invented, flagged, to be replaced."""
    count = 0
    for n, region in enumerate(Region.objects.order_by("code")):
        _facts, created = RegionFacts.objects.get_or_create(
            region=region,
            defaults={
                "subsistence_minimum": Decimal(14000 + (n * 137) % 8000),
                "is_demo": True,
                "note": "демо-значение, не официальная величина",
            },
        )
        count += created
    return count


def measures_input() -> list[services.MeasureInput]:
    items = [
        services.MeasureInput(
            code=f"demo-{code}", name=f"{name} (демо)", level="federal", needs=needs,
            eligibility=condition, required_documents=docs, apply_channels=channels,
            agency="Ведомство (демо)", processing_time="демо: срок не указан",
            how_to_apply="Демо: подать заявление онлайн, в МФЦ или в ведомстве.",
            description=f"Демонстрационная мера: {name.lower()}. Условия и сроки вымышлены.",
            is_demo=True,
        )
        for code, name, needs, condition, docs, channels in FEDERAL
    ]  # fmt: skip
    for region_code in PILOT_REGIONS:
        region = Region.objects.get(code=region_code)
        for code, name, needs, condition in REGIONAL:
            municipal = code == "hot-meals"
            items.append(
                services.MeasureInput(
                    code=f"demo-{code}-{region_code.lower()}",
                    name=f"{name} (демо, {region.name_ru})",
                    level="municipal" if municipal else "regional",
                    regions=[region_code],
                    municipality="городской округ (демо)" if municipal else "",
                    needs=needs, eligibility=condition, required_documents=["паспорт"],
                    apply_channels=["mfc", "agency"], agency=f"Соцзащита (демо), {region.name_ru}",
                    processing_time="демо: срок не указан",
                    description=f"Демонстрационная региональная мера: {name.lower()}.",
                    is_demo=True,
                )
            )  # fmt: skip
    return items


@transaction.atomic
def load_demo(*, organizations: int = 160, measures: int = 64) -> dict[str, int]:
    region_facts()
    regions = list(Region.objects.order_by("code"))
    pilots = [r for r in regions if r.code in PILOT_REGIONS]
    docs, kinds = [], {}
    for i in range(organizations):
        # Every third block of one organization per kind goes to a pilot region, so each
        # pilot has every kind; the rest spread over the country, a few nationwide.
        block = i // len(KINDS)
        pilot = block % 3 == 0
        region = pilots[(block // 3) % len(pilots)] if pilot else regions[i % len(regions)]
        doc, kind = organization_doc(i, region, nationwide=not pilot and i % 20 == 7)
        docs.append(doc)
        kinds[doc["id"]] = kind
    import_documents({"demo_taxonomy_terms.json": need_taxonomy(), "demo_organizations.json": docs})
    for kind in set(kinds.values()):
        Organization.objects.filter(pk__in=[k for k, v in kinds.items() if v == kind]).update(
            kind=kind, is_demo=True
        )
    codes = services.region_codes()
    for code, (name, condition) in RULES.items():
        assert not validate(condition, rules={}, region_codes=codes), code
        EligibilityRule.objects.update_or_create(
            code=code, defaults={"name": name, "condition": condition}
        )
    rules = services.rules_by_code()
    written = 0
    for data in measures_input()[:measures]:
        services.check_measure(data, rules=rules)
        measure = Measure.objects.filter(code=data.code).first() or Measure(code=data.code)
        services.write_measure(measure, data)
        written += 1
    return {
        "организаций": len(docs),
        "регионов": len(
            {
                d["services"][0]["service_areas"][0]["extent"]
                for d in docs
                if d["services"][0]["service_areas"]
            }
        ),
        "мер": written,
    }
