"""Pages of the navigator: the operator's directory search and the call card's panel."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from vmeste.core import services as reference
from vmeste.core.errors import NotFound
from vmeste.directory import navigator, services
from vmeste.directory.models import Phone


def _filters(request: HttpRequest) -> dict:
    return {
        "region": request.GET.get("region", "").strip().upper(),
        "need": request.GET.get("need", "").strip(),
        "q": request.GET.get("q", "").strip()[:200],
    }


def _results(filters: dict) -> dict:
    hits = navigator.search_services(
        region=filters["region"], need=filters["need"], text=filters["q"]
    )
    phones: dict[str, list[str]] = {}
    for service_id, number in Phone.objects.filter(service_id__in=[s.pk for s in hits]).values_list(
        "service_id", "number"
    ):
        phones.setdefault(service_id, []).append(number)
    measures = services.measures_for_listing(
        region=filters["region"], need=filters["need"], text=filters["q"]
    )[:50]
    return {
        "services": [(s, phones.get(s.pk, [])) for s in hits],
        "measures": list(measures),
        "filters": filters,
    }


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Operators search the directory by region, need and text; htmx swaps the results."""
    filters = _filters(request)
    context = _results(filters)
    if request.htmx:
        return render(request, "directory/_results.html", context)
    context.update(
        regions=reference.regions(),
        needs=reference.categories(),
    )
    return render(request, "directory/search.html", context)


@login_required
def panel(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    """The call card's navigator panel. With a person: their profile (scoped, audited as a
    card read). Without: the facts in the query string (region, age, flags…, `need`), so
    the operator sees entitlements while the caller is still being registered."""
    needs = [code for code in request.GET.getlist("need") if code]
    if person_id is None:
        answer = navigator.navigate_profile(
            navigator.profile_from_params(request.GET),
            needs=navigator.needs_from_params(request.GET),
        )
    else:
        try:
            answer = navigator.eligibility_for(
                person_id=person_id, user=request.user, channel="web", needs=needs or None
            )
        except NotFound as exc:
            raise Http404 from exc
    return render(request, "directory/_navigator_panel.html", {"navigator": answer})
