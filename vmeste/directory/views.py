"""Pages of the navigator: directory search, the call card's panel, the request's referrals."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from vmeste.accounts.roles import Right
from vmeste.core import services as reference
from vmeste.core.errors import Forbidden, NotFound, ServiceError
from vmeste.directory import navigator, referral_services, services
from vmeste.directory import referral_transitions as referral_table
from vmeste.directory.models import Phone, Referral

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


def _referrals_context(request_id: int, user, error: str = "") -> dict:
    labels = dict(Referral.Status.choices)
    referrals = referral_services.referrals_of(request_id=request_id, user=user)
    return {
        "suggested": referral_services.suggestions(request_id=request_id, user=user),
        "request_id": request_id,
        "referrals": [
            (r, [(to, labels[to]) for to in referral_table.allowed_targets(r.status)])
            for r in referrals
        ],
        "error": error,
    }


def _target(post) -> tuple[str, str]:
    """The suggestion picked ("m:<measure id>" or "s:<service id>"), or the ids the API
    style form sends."""
    kind, _sep, value = post.get("target", "").strip().partition(":")
    if kind == "m":
        return value, ""
    if kind == "s":
        return "", value
    return post.get("measure_id", "").strip(), post.get("service_id", "").strip()


@login_required
@require_http_methods(["GET", "POST"])
def referrals(request: HttpRequest, request_id: int) -> HttpResponse:
    """The request page's referrals block: list, refer to a measure or service (POST)."""
    if not request.user.can(Right.HANDLE_REQUESTS):
        raise PermissionDenied  # before the lookup: the same refusal whoever's request it is
    error = ""
    try:
        if request.method == "POST":
            measure, service = _target(request.POST)
            referral_services.refer(
                request_id=request_id,
                actor=request.user,
                measure_id=int(measure) if measure.isdecimal() else None,
                service_id=service or None,
                note=request.POST.get("note", ""),
            )
        context = _referrals_context(request_id, request.user)
    except NotFound as exc:
        raise Http404 from exc
    except ServiceError as exc:
        error = "; ".join(m for ms in exc.fields.values() for m in ms) or exc.message
        context = _referrals_context(request_id, request.user, error)
    return render(request, "directory/_referrals.html", context)


@login_required
@require_http_methods(["POST"])
def move_referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = Referral.objects.filter(pk=referral_id).only("request_id").first()
    if referral is None:
        raise Http404
    error = ""
    try:
        referral_services.advance(
            referral_id=referral_id,
            actor=request.user,
            to=request.POST.get("to", ""),
            feedback=request.POST.get("feedback", ""),
            resolve_request=request.POST.get("resolve_request") == "on",
        )
    except NotFound as exc:
        raise Http404 from exc
    except Forbidden as exc:  # a role that reads referrals but may not move them
        raise PermissionDenied from exc
    except ServiceError as exc:
        error = "; ".join(m for ms in exc.fields.values() for m in ms) or exc.message
    return render(
        request,
        "directory/_referrals.html",
        _referrals_context(referral.request_id, request.user, error),
    )
