"""Pages of the navigator: directory search and the call card's panel (the request's
referrals block is `referrals/views.py`, the rule builder `rules/views.py`)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from vmeste.accounts.roles import Right
from vmeste.core import services as reference
from vmeste.core.errors import Forbidden, NotFound
from vmeste.directory import navigator, services
from vmeste.directory.models import Phone

PAGE_SIZE = 20


def _filters(request: HttpRequest) -> dict:
    return {
        "region": request.GET.get("region", "").strip().upper()[:10],
        "need": request.GET.get("need", "").strip()[:60],
        "q": request.GET.get("q", "").strip()[:200],
    }


def _results(filters: dict, page: str | None) -> dict:
    """One page of services and one of measures (the same page number pages through both)."""
    hits = Paginator(
        navigator.services_matching(
            region=filters["region"], need=filters["need"], text=filters["q"]
        ).select_related("organization"),
        PAGE_SIZE,
    ).get_page(page)
    phones: dict[str, list[str]] = {}
    for service_id, number in Phone.objects.filter(service_id__in=[s.pk for s in hits]).values_list(
        "service_id", "number"
    ):
        phones.setdefault(service_id, []).append(number)
    measures = Paginator(
        services.measures_for_listing(
            region=filters["region"], need=filters["need"], text=filters["q"]
        ).order_by("name", "pk"),
        PAGE_SIZE,
    ).get_page(page)
    return {
        "services": [(s, phones.get(s.pk, [])) for s in hits],
        "services_page": hits,
        "measures": list(measures),
        "measures_page": measures,
        "filters": filters,
        "query": urlencode({k: v for k, v in filters.items() if v}),
    }


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Operators search the directory by region, need and text; htmx swaps the results."""
    filters = _filters(request)
    context = _results(filters, request.GET.get("page"))
    if request.htmx:
        return render(request, "directory/_results.html", context)
    context.update(
        regions=reference.regions(),
        needs=reference.categories(),
        can_edit_rules=request.user.can(Right.EDIT_REFERENCE),
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
                person_id=person_id, user=request.user, needs=needs or None
            )
        except NotFound as exc:
            raise Http404 from exc
        except Forbidden as exc:
            raise PermissionDenied from exc
    return render(request, "directory/_navigator_panel.html", {"navigator": answer})
