"""Our directory as HSDS 3.0 JSON: full objects, list items, and files for `export-hsds`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

from django.db import models

from vmeste.directory import models as m
from vmeste.directory.hsds.tables import OURS, REQUIRED

# Our fields that must not leak into HSDS, and links HSDS expresses by nesting instead.
_SKIP = OURS | {"taxonomy_detail"}


def _value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def scalars(obj: models.Model, table: str, *, links: tuple[str, ...] = ()) -> dict:
    """The record's own HSDS fields; empty optional ones are left out (HSDS allows that)."""
    required = REQUIRED.get(table, ("id",))
    out: dict = {}
    for f in obj._meta.concrete_fields:
        if f.name in _SKIP or (f.is_relation and f.attname not in links):
            continue
        value = getattr(obj, f.attname)
        if value in (None, "") and f.name not in required:
            continue
        out[f.name if not f.is_relation else f.attname] = _value(value if value is not None else "")
    if table == "taxonomy_term" and obj.taxonomy_detail_id:
        out["taxonomy_id"] = obj.taxonomy_detail_id
    return out


def _extras(owner_table: str, owner_id: str, table: str) -> list[dict]:
    return [
        e.data
        for e in m.Extra.objects.filter(owner_table=owner_table, owner_id=owner_id, table=table)
    ]


def taxonomy(t: m.Taxonomy) -> dict:
    return scalars(t, "taxonomy")


def taxonomy_term(term: m.TaxonomyTerm) -> dict:
    out = scalars(term, "taxonomy_term")
    detail = m.Taxonomy.objects.filter(pk=term.taxonomy_detail_id).first()
    if detail is not None:
        out["taxonomy_detail"] = taxonomy(detail)
    return out


def attributes(table: str, link_id: str) -> list[dict]:
    out = []
    for a in m.Attribute.objects.filter(link_id=link_id):
        item = scalars(a, "attribute")
        term = m.TaxonomyTerm.objects.filter(pk=a.taxonomy_term_id).first()
        if term is not None:
            item["taxonomy_term"] = taxonomy_term(term)
        out.append(item)
    return out


def phone(p: m.Phone) -> dict:
    out = scalars(p, "phone")
    out["languages"] = [scalars(x, "language") for x in m.Language.objects.filter(phone_id=p.pk)]
    return out


def contact(c: m.Contact) -> dict:
    out = scalars(c, "contact")
    out["phones"] = [phone(p) for p in m.Phone.objects.filter(contact_id=c.pk)]
    return out


def location(loc: m.Location, *, with_organization_id: bool = False) -> dict:
    links = ("organization_id",) if with_organization_id else ()
    out = scalars(loc, "location", links=links)
    out["languages"] = [scalars(x, "language") for x in m.Language.objects.filter(location=loc)]
    out["addresses"] = [scalars(x, "address") for x in m.Address.objects.filter(location=loc)]
    out["contacts"] = [contact(c) for c in m.Contact.objects.filter(location=loc)]
    out["accessibility"] = _extras("location", loc.pk, "accessibility")
    out["phones"] = [phone(p) for p in m.Phone.objects.filter(location=loc)]
    out["schedules"] = [scalars(s, "schedule") for s in m.Schedule.objects.filter(location=loc)]
    out["attributes"] = attributes("location", loc.pk)
    return out


def service_at_location(sal: m.ServiceAtLocation) -> dict:
    out = scalars(sal, "service_at_location", links=("service_id", "location_id"))
    out["contacts"] = [contact(c) for c in m.Contact.objects.filter(service_at_location=sal)]
    out["phones"] = [phone(p) for p in m.Phone.objects.filter(service_at_location=sal)]
    out["schedules"] = [
        scalars(s, "schedule") for s in m.Schedule.objects.filter(service_at_location=sal)
    ]
    loc = m.Location.objects.filter(pk=sal.location_id).first()
    if loc is not None:
        out["location"] = location(loc)
    out["attributes"] = attributes("service_at_location", sal.pk)
    return out


def organization_item(org: m.Organization) -> dict:
    return scalars(org, "organization")


def service_item(s: m.Service, *, programs: dict[str, dict] | None = None) -> dict:
    """A list item: the service's fields and its organization's. `programs` (service id →
    program), when given, saves a query per item on list pages."""
    out = scalars(s, "service", links=("organization_id",))
    if s.organization_id:
        out["organization"] = organization_item(s.organization)
    if programs is None:
        found = _extras("service", s.pk, "program")
        program = found[0] if found else None
    else:
        program = programs.get(s.pk)
    if program:
        out["program"] = program
    return out


def programs_of(service_ids: list[str]) -> dict[str, dict]:
    return {
        e.owner_id: e.data
        for e in m.Extra.objects.filter(
            owner_table="service", owner_id__in=service_ids, table="program"
        )
    }


def service_items(services: list[m.Service]) -> list[dict]:
    programs = programs_of([s.pk for s in services])
    return [service_item(s, programs=programs) for s in services]


def service_full(s: m.Service, *, nested_in_organization: bool = False) -> dict:
    out = service_item(s)
    if nested_in_organization:
        out.pop("organization", None)
    out["phones"] = [phone(p) for p in m.Phone.objects.filter(service=s)]
    out["schedules"] = [scalars(x, "schedule") for x in m.Schedule.objects.filter(service=s)]
    out["service_areas"] = [
        scalars(x, "service_area") for x in m.ServiceArea.objects.filter(service=s)
    ]
    out["service_at_locations"] = [
        service_at_location(x) for x in m.ServiceAtLocation.objects.filter(service=s)
    ]
    out["languages"] = [scalars(x, "language") for x in m.Language.objects.filter(service=s)]
    out["funding"] = _extras("service", s.pk, "funding")
    out["cost_options"] = _extras("service", s.pk, "cost_option")
    out["required_documents"] = [
        scalars(x, "required_document") for x in m.RequiredDocument.objects.filter(service=s)
    ]
    out["contacts"] = [contact(c) for c in m.Contact.objects.filter(service=s)]
    out["attributes"] = attributes("service", s.pk)
    out["metadata"] = _extras("service", s.pk, "metadata")
    return out


def organization_full(org: m.Organization, *, published_only: bool = False) -> dict:
    out = organization_item(org)
    out["funding"] = _extras("organization", org.pk, "funding")
    out["contacts"] = [contact(c) for c in m.Contact.objects.filter(organization=org)]
    out["phones"] = [phone(p) for p in m.Phone.objects.filter(organization=org)]
    out["locations"] = [location(x) for x in m.Location.objects.filter(organization=org)]
    out["programs"] = _extras("organization", org.pk, "program")
    out["organization_identifiers"] = _extras("organization", org.pk, "organization_identifier")
    services = org.services.all()
    if published_only:
        services = services.filter(is_published=True)
    out["services"] = [service_full(s, nested_in_organization=True) for s in services]
    out["attributes"] = attributes("organization", org.pk)
    out["metadata"] = _extras("organization", org.pk, "metadata")
    return out


def export_path(path: Path) -> dict[str, int]:
    """A `.json` path gets one array; any other path becomes a folder of typed files."""
    taxonomies = [taxonomy(t) for t in m.Taxonomy.objects.all()]
    terms = [taxonomy_term(t) for t in m.TaxonomyTerm.objects.all()]
    organizations = [organization_full(o) for o in m.Organization.objects.all()]
    if path.suffix.lower() == ".json":
        path.parent.mkdir(parents=True, exist_ok=True)
        _dump(path, taxonomies + terms + organizations)
    else:
        path.mkdir(parents=True, exist_ok=True)
        _dump(path / "taxonomies.json", taxonomies)
        _dump(path / "taxonomy_terms.json", terms)
        _dump(path / "organizations.json", organizations)
    return {
        "taxonomy": len(taxonomies),
        "taxonomy_term": len(terms),
        "organization": len(organizations),
    }


def _dump(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
