"""The figures page: contacts, requests, people helped over a period, with a chart by day."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vmeste.accounts.roles import Right
from vmeste.core import services as reference
from vmeste.core.dates import parse_date
from vmeste.core.errors import NotFound, ValidationFailed
from vmeste.core.scoping import scoped, user_scope
from vmeste.core.ui import FormErrors, require
from vmeste.reports import chart, export, services


def _date(text: str, name: str, errors: FormErrors) -> date | None:
    try:
        return parse_date(text, field=name)
    except ValidationFailed as exc:
        errors.add(exc)
        return None


def _read(request: HttpRequest) -> tuple[services.Period, services.FigureFilters, FormErrors]:
    """The period and filters asked for; a wrong date falls back to the last 30 days."""
    errors = FormErrors()
    get = request.GET
    date_from = _date(get.get("date_from", ""), "date_from", errors)
    date_to = _date(get.get("date_to", ""), "date_to", errors)
    try:
        p = services.period(date_from, date_to)
    except ValidationFailed as exc:
        errors.add(exc)
        p = services.period()
    filters = services.FigureFilters(region=get.get("region", ""), line=get.get("line", ""))
    return p, filters, errors


def _shown(p: services.Period, filters: services.FigureFilters) -> str:
    """The query of what the page shows: an export link takes exactly that."""
    query = {"date_from": p.date_from.isoformat(), "date_to": p.date_to.isoformat()}
    query.update({k: v for k, v in (("region", filters.region), ("line", filters.line)) if v})
    return urlencode(query)


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    require(request.user, Right.SEE_FIGURES)
    p, filters, errors = _read(request)
    data = services.figures(user=request.user, p=p, filters=filters)
    allowed, _lines = user_scope(request.user)
    regions = reference.regions()
    return render(
        request,
        "reports/figures.html",
        {
            "data": data,
            "period": p,
            "filters": filters,
            "errors": errors,
            "chart": chart.by_day(data["by_day"]),
            "calls": export.call_rows(data["calls"]),
            "regions": regions.filter(pk__in=allowed) if allowed else regions,
            "lines": scoped(reference.lines(), request.user),
            "shown": _shown(p, filters),
        },
        status=422 if errors else 200,
    )


@login_required
@require_GET
def figures_export(request: HttpRequest, fmt: str) -> HttpResponse:
    require(request.user, Right.SEE_FIGURES)
    p, filters, errors = _read(request)
    if errors:  # the page never links a period it did not show
        told = [message for messages in errors.values() for message in messages]
        text = " ".join(told) or errors.message
        return HttpResponse(text, status=422, content_type="text/plain; charset=utf-8")
    try:
        file = services.export_figures(user=request.user, p=p, filters=filters, fmt=fmt)
    except NotFound as exc:
        return HttpResponse(exc.message, status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response
