"""How HSDS 3.0 objects nest, and which of our models holds each table. Shared by the import
and the export, so the two always agree."""

from __future__ import annotations

from vmeste.directory import models as m

# HSDS table → our model. Tables not listed in MODELS are kept as `Extra` rows.
MODELS = {
    "organization": m.Organization,
    "service": m.Service,
    "location": m.Location,
    "address": m.Address,
    "service_at_location": m.ServiceAtLocation,
    "service_area": m.ServiceArea,
    "contact": m.Contact,
    "phone": m.Phone,
    "schedule": m.Schedule,
    "language": m.Language,
    "required_document": m.RequiredDocument,
    "taxonomy": m.Taxonomy,
    "taxonomy_term": m.TaxonomyTerm,
    "attribute": m.Attribute,
}
EXTRA_TABLES = (
    "program",
    "funding",
    "cost_option",
    "accessibility",
    "organization_identifier",
    "metadata",
    "meta_table_description",
)

# table → [(key in the object, child table)]; a child names its parent by `<parent table>_id`
# (HSDS 3.0's own convention, see `parent_link`).
CHILDREN: dict[str, list[tuple[str, str]]] = {
    "organization": [
        ("funding", "funding"),
        ("contacts", "contact"),
        ("phones", "phone"),
        ("locations", "location"),
        ("programs", "program"),
        ("organization_identifiers", "organization_identifier"),
        ("services", "service"),
    ],
    "service": [
        ("phones", "phone"),
        ("schedules", "schedule"),
        ("service_areas", "service_area"),
        ("service_at_locations", "service_at_location"),
        ("languages", "language"),
        ("funding", "funding"),
        ("cost_options", "cost_option"),
        ("required_documents", "required_document"),
        ("contacts", "contact"),
    ],
    "location": [
        ("languages", "language"),
        ("addresses", "address"),
        ("contacts", "contact"),
        ("accessibility", "accessibility"),
        ("phones", "phone"),
        ("schedules", "schedule"),
    ],
    "service_at_location": [
        ("contacts", "contact"),
        ("phones", "phone"),
        ("schedules", "schedule"),
    ],
    "contact": [("phones", "phone")],
    "phone": [("languages", "language")],
}


def parent_link(table: str) -> str:
    """The field by which a child row of `table` names its parent."""
    return f"{table}_id"


# table → [(key of a single nested object, its table, the parent's field naming it)]
SINGLES: dict[str, list[tuple[str, str, str]]] = {
    "service": [
        ("organization", "organization", "organization_id"),
        ("program", "program", "program_id"),
    ],
    "service_at_location": [
        ("location", "location", "location_id"),
        ("service", "service", "service_id"),
    ],
    "taxonomy_term": [("taxonomy_detail", "taxonomy", "taxonomy_id")],
    "attribute": [("taxonomy_term", "taxonomy_term", "taxonomy_term_id")],
}

# Any record may carry these two arrays.
UNIVERSAL = (("attributes", "attribute"), ("metadata", "metadata"))

REQUIRED: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name", "description"),
    "service": ("id", "name", "status"),
    "location": ("id", "location_type"),
    "address": (
        "id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "taxonomy": ("id", "name", "description"),
    "taxonomy_term": ("id", "name", "description"),
    "phone": ("id", "number"),
    "program": ("id", "name", "description"),
    "organization_identifier": ("id", "identifier_type", "identifier"),
}
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("service", "status"): ("active", "inactive", "defunct", "temporarily closed"),
    ("location", "location_type"): ("physical", "postal", "virtual"),
    ("address", "address_type"): ("physical", "postal", "virtual"),
}

# HSDS field → our attribute where the names differ.
RENAMES: dict[str, dict[str, str]] = {"taxonomy_term": {"taxonomy_id": "taxonomy_detail_id"}}

# Tabular files (`organizations.csv` …) → table.
TABULAR = {
    "organizations": "organization",
    "programs": "program",
    "services": "service",
    "attributes": "attribute",
    "service_at_location": "service_at_location",
    "service_at_locations": "service_at_location",
    "locations": "location",
    "phones": "phone",
    "contacts": "contact",
    "addresses": "address",
    "schedules": "schedule",
    "funding": "funding",
    "service_areas": "service_area",
    "required_documents": "required_document",
    "languages": "language",
    "accessibility": "accessibility",
    "taxonomy_terms": "taxonomy_term",
    "taxonomies": "taxonomy",
    "metadata": "metadata",
    "meta_table_descriptions": "meta_table_description",
    "cost_options": "cost_option",
    "organization_identifiers": "organization_identifier",
}

# Fields of ours that HSDS does not define: never exported, never read from a file.
OURS = frozenset({"kind", "is_published", "is_demo", "updated_at", "region"})


def detect(obj: dict, hint: str | None) -> str:
    """Which HSDS table a top-level object belongs to: its telling keys, then the file name."""
    if "location_type" in obj:
        return "location"
    if "name" not in obj and ({"service", "location", "service_id", "location_id"} & obj.keys()):
        return "service_at_location"
    if "status" in obj:
        return "service"
    if {"code", "parent_id", "taxonomy", "taxonomy_detail", "taxonomy_id", "term_uri"} & obj.keys():
        return "taxonomy_term"
    if "version" in obj and obj.keys() <= {
        "id",
        "name",
        "description",
        "uri",
        "version",
        "metadata",
    }:
        return "taxonomy"
    return hint or "organization"


def hint_from_filename(name: str) -> str | None:
    stem = name.lower().rsplit("/", 1)[-1]
    for key in (
        "service_at_location",
        "taxonomy_term",
        "taxonom",
        "organization",
        "service",
        "location",
    ):
        if key in stem:
            return "taxonomy" if key == "taxonom" else key
    return None
