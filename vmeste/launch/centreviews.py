"""The centres' pages: the list with a form for a new centre, one centre's form and history.
Every write goes through ``launch.centres.save`` (rights, scope, the diff kept)."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vmeste.core.errors import Forbidden, NotFound, ServiceError
from vmeste.core.models import Centre, Line, Region
from vmeste.core.scoping import scoped, user_scope
from vmeste.launch import centres as service


def _form(request: HttpRequest, code: str) -> service.CentreData:
    post = request.POST
    return service.CentreData(
        code=code,
        name_ru=post.get("name_ru", "").strip(),
        name_en=post.get("name_en", "").strip(),
        kind=post.get("kind", ""),
        region=post.get("region", ""),
        lines=post.getlist("lines"),
        agents_on_shift_only=post.get("agents_on_shift_only") == "1",
    )


def _choices(request: HttpRequest) -> dict:
    allowed, _lines = user_scope(request.user)
    regions = Region.objects.filter(pk__in=allowed) if allowed else Region.objects.all()
    return {
        "regions": regions.order_by("name_ru"),
        "lines": scoped(Line.objects.all(), request.user).order_by("code"),
        "kinds": Centre.Kind.choices,
    }


def _save(request: HttpRequest, code: str, create: bool) -> tuple[Centre | None, dict]:
    try:
        centre, changes = service.save(data=_form(request, code), user=request.user, create=create)
    except Forbidden as exc:
        return None, {"message": exc.message, "fields": {"region": [exc.message]}}
    except ServiceError as exc:
        return None, {"message": exc.message, "fields": exc.fields}
    if create:
        messages.success(request, _("Колл-центр создан."))
    else:
        messages.success(request, _("Сохранено: изменений %d.") % len(changes))
    return centre, {}


@login_required
def centres(request: HttpRequest) -> HttpResponse:
    try:
        listed = service.centres_for(request.user).order_by("code")
    except Forbidden:
        raise PermissionDenied from None
    errors, form = {}, {}
    if request.method == "POST":
        form = _form(request, request.POST.get("code", "").strip())
        centre, errors = _save(request, form.code, create=True)
        if centre is not None:
            return redirect("launch:centre", code=centre.code)
    return render(request, "launch/centres.html", {
        "centres": [(c, service.time_zone(c)) for c in listed],
        "values": asdict(form) if form else {"kind": "regional"},
        "errors": errors,
        **_choices(request),
    })  # fmt: skip


@login_required
def centre(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = service.centre_for(code=code, user=request.user)
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    errors = {}
    if request.method == "POST":
        saved, errors = _save(request, code, create=False)
        if saved is not None:
            return redirect("launch:centre", code=code)
    return render(request, "launch/centre.html", {
        "centre": found,
        "values": service.snapshot(found),
        "time_zone": service.time_zone(found),
        "changes": service.history(centre=found)[:50],
        "errors": errors,
        **_choices(request),
    })  # fmt: skip
