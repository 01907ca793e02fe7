"""The request page's referrals block: the referrals of a request with the moves each may
make, and referring to a measure or a service the navigator suggests."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from vmeste.accounts.roles import Right
from vmeste.core.errors import Forbidden, NotFound, ServiceError
from vmeste.directory.models import Referral
from vmeste.directory.referrals import services as referral_services
from vmeste.directory.referrals import transitions as referral_table


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
