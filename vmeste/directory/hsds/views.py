"""The HSDS 3.0 read API under /api/hsds/: public directory data, no token, paged envelope."""

from __future__ import annotations

import math

from django.db.models import Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from vmeste.directory import models as m
from vmeste.directory.hsds import exporting as out
from vmeste.directory.text import text_q

PER_PAGE_DEFAULT, PER_PAGE_MAX = 50, 500


def _not_found() -> JsonResponse:
    return JsonResponse(
        {"error": {"code": "not_found", "message": "Не найдено.", "fields": {}}}, status=404
    )


def _moment(text: str):
    # Well-formed but impossible (month 13) raises; an unreadable filter filters nothing.
    try:
        return parse_datetime(text or "")
    except ValueError:
        return None


def _int(request: HttpRequest, name: str, default: int) -> int:
    try:
        # Capped: a page number past any real page must not overflow SQLite's integers.
        return min(max(1, int(request.GET.get(name, default))), 1_000_000)
    except ValueError:
        return default


def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").lower() in ("1", "true", "yes")


def page(
    request: HttpRequest, queryset: QuerySet, render=None, *, render_page=None
) -> JsonResponse:
    """The HSDS paging envelope around one page of `queryset`: each item through `render`,
    or the whole page through `render_page` (one query per page, not per item)."""
    number = _int(request, "page", 1)
    size = min(_int(request, "per_page", PER_PAGE_DEFAULT), PER_PAGE_MAX)
    total = queryset.count()
    pages = max(1, math.ceil(total / size))
    items = list(queryset[(number - 1) * size : number * size])
    return JsonResponse(
        {
            "total_items": total,
            "total_pages": pages,
            "page_number": number,
            "size": size,
            "first_page": number == 1,
            "last_page": number >= pages,
            "empty": not items,
            "contents": render_page(items) if render_page else [render(item) for item in items],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _one(data: dict) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def published_services() -> QuerySet[m.Service]:
    return m.Service.objects.filter(is_published=True).filter(
        Q(organization__isnull=True) | Q(organization__is_published=True)
    )


def _services_filtered(request: HttpRequest) -> QuerySet[m.Service]:
    qs = published_services().select_related("organization")
    if text := request.GET.get("search", "").strip():
        qs = qs.filter(text_q(text, "name", "description"))
    if org := request.GET.get("organization_id"):
        qs = qs.filter(organization_id=org)
    if term := request.GET.get("taxonomy_term_id"):
        qs = qs.filter(pk__in=m.Attribute.objects.filter(taxonomy_term_id=term).values("link_id"))
    if taxonomy := request.GET.get("taxonomy_id"):
        terms = m.TaxonomyTerm.objects.filter(taxonomy_detail_id=taxonomy).values("pk")
        qs = qs.filter(
            pk__in=m.Attribute.objects.filter(taxonomy_term_id__in=terms).values("link_id")
        )
    if after := _moment(request.GET.get("modified_after", "")):
        qs = qs.filter(last_modified__gte=after)
    if region := request.GET.get("region"):  # ours: a federal subject code, e.g. RU-VGG
        qs = qs.filter(service_areas__region__code=region.upper()).distinct()
    return qs


@require_GET
def index(request: HttpRequest) -> JsonResponse:
    return _one({"version": "3.0", "profile": "https://vmeste.example/hsds/profile"})


@require_GET
def services(request: HttpRequest) -> JsonResponse:
    if _flag(request, "full"):
        return page(request, _services_filtered(request), out.service_full)
    return page(request, _services_filtered(request), render_page=out.service_items)


@require_GET
def service(request: HttpRequest, hsds_id: str) -> JsonResponse:
    s = published_services().select_related("organization").filter(pk=hsds_id).first()
    return _one(out.service_full(s)) if s else _not_found()


def _organizations(request: HttpRequest) -> QuerySet[m.Organization]:
    qs = m.Organization.objects.filter(is_published=True)
    if text := request.GET.get("search", "").strip():
        qs = qs.filter(text_q(text, "name", "description"))
    return qs


@require_GET
def organizations(request: HttpRequest) -> JsonResponse:
    if _flag(request, "full") or _flag(request, "full_service"):
        return page(
            request,
            _organizations(request),
            lambda o: out.organization_full(o, published_only=True),
        )
    return page(request, _organizations(request), out.organization_item)


@require_GET
def organization(request: HttpRequest, hsds_id: str) -> JsonResponse:
    org = m.Organization.objects.filter(is_published=True, pk=hsds_id).first()
    return _one(out.organization_full(org, published_only=True)) if org else _not_found()


def _sal_items(sals: list[m.ServiceAtLocation]) -> list[dict]:
    locations = {
        loc.pk: loc for loc in m.Location.objects.filter(pk__in=[x.location_id for x in sals])
    }
    found = published_services().select_related("organization")
    services = {s.pk: s for s in found.filter(pk__in=[x.service_id for x in sals])}
    programs = out.programs_of(list(services))
    items = []
    for sal in sals:
        item = out.scalars(sal, "service_at_location", links=("service_id", "location_id"))
        if sal.location_id in locations:
            loc = locations[sal.location_id]
            item["location"] = out.scalars(loc, "location", links=("organization_id",))
        if sal.service_id in services:
            item["service"] = out.service_item(services[sal.service_id], programs=programs)
        items.append(item)
    return items


def _sals(request: HttpRequest) -> QuerySet[m.ServiceAtLocation]:
    qs = m.ServiceAtLocation.objects.filter(service_id__in=published_services().values("pk"))
    if org := request.GET.get("organization_id"):
        qs = qs.filter(service__organization_id=org)
    if text := request.GET.get("search", "").strip():
        qs = qs.filter(text_q(text, "description", "service__name"))
    return qs.order_by("id")


@require_GET
def service_at_locations(request: HttpRequest) -> JsonResponse:
    full = _flag(request, "full")
    if full:
        return page(request, _sals(request), out.service_at_location)
    return page(request, _sals(request), render_page=_sal_items)


@require_GET
def service_at_location(request: HttpRequest, hsds_id: str) -> JsonResponse:
    sal = _sals(request).filter(pk=hsds_id).first()
    return _one(out.service_at_location(sal)) if sal else _not_found()


@require_GET
def taxonomies(request: HttpRequest) -> JsonResponse:
    qs = m.Taxonomy.objects.all()
    if text := request.GET.get("search", "").strip():
        qs = qs.filter(text_q(text, "name"))
    return page(request, qs, out.taxonomy)


@require_GET
def taxonomy(request: HttpRequest, hsds_id: str) -> JsonResponse:
    t = m.Taxonomy.objects.filter(pk=hsds_id).first()
    return _one(out.taxonomy(t)) if t else _not_found()


@require_GET
def taxonomy_terms(request: HttpRequest) -> JsonResponse:
    qs = m.TaxonomyTerm.objects.all()
    if text := request.GET.get("search", "").strip():
        qs = qs.filter(text_q(text, "name", "code"))
    if taxonomy_id := request.GET.get("taxonomy_id"):
        qs = qs.filter(taxonomy_detail_id=taxonomy_id)
    if parent := request.GET.get("parent_id"):
        qs = qs.filter(parent_id=parent)
    if _flag(request, "top_only"):
        qs = qs.filter(parent_id="")
    return page(request, qs, out.taxonomy_term)


@require_GET
def taxonomy_term(request: HttpRequest, hsds_id: str) -> JsonResponse:
    t = m.TaxonomyTerm.objects.filter(pk=hsds_id).first()
    return _one(out.taxonomy_term(t)) if t else _not_found()
