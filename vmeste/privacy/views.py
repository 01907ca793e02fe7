"""The person card's consent buttons and the printable subject's copy; as thin as the API."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vmeste.core.errors import Forbidden, NotFound, ServiceError
from vmeste.privacy import services, subject
from vmeste.privacy.readable import sections


def _act(request: HttpRequest, person_id: int, action, done: str) -> HttpResponse:
    try:
        action(person_id=person_id, actor=request.user, method=request.POST.get("method", ""))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        raise PermissionDenied from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("people:person_detail", person_id=person_id)


@login_required
@require_POST
def withdraw(request: HttpRequest, person_id: int) -> HttpResponse:
    note = request.POST.get("note", "")

    def action(**kwargs):
        return services.withdraw_consent(**kwargs, note=note)

    return _act(request, person_id, action, _("Согласие отозвано, данные обезличены."))


@login_required
@require_POST
def renew(request: HttpRequest, person_id: int) -> HttpResponse:
    return _act(request, person_id, services.renew_consent, _("Новое согласие записано."))


@login_required
def subject_copy(request: HttpRequest, person_id: int) -> HttpResponse:
    try:
        copy = subject.collect(person_id=person_id, actor=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        raise PermissionDenied from exc
    if request.GET.get("format") == "json":
        response = HttpResponse(
            json.dumps(copy, ensure_ascii=False, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="person-{person_id}.json"'
        return response
    return render(request, "privacy/subject_copy.html", {"copy": copy, "sections": sections(copy)})
