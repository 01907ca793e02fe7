"""Merging duplicate cards (the card itself is the workplace's: `workplace.person_views`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vmeste.core.errors import NotFound, ServiceError
from vmeste.people import merging


@login_required
@require_POST
def person_merge(request: HttpRequest, person_id: int) -> HttpResponse:
    absorb = request.POST.get("absorb", "")
    try:
        kept = merging.merge(
            keep_id=person_id,
            absorb_id=int(absorb) if absorb.isdecimal() else 0,
            actor=request.user,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("people:person_detail", person_id=person_id)
    messages.success(request, _("Карточки объединены, история сохранена."))
    return redirect("people:person_detail", person_id=kept.pk)
