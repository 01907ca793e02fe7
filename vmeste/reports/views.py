"""The figures page: contacts, requests, people helped over a period, with a chart by day."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vmeste.accounts.roles import Right
from vmeste.assistance.ui import FormErrors, require
from vmeste.core import services as reference
from vmeste.core.dates import parse_date
from vmeste.core.errors import ValidationFailed
from vmeste.core.scoping import scoped, user_scope
from vmeste.reports import chart, services


def _date(text: str, name: str, errors: FormErrors) -> date | None:
    try:
        return parse_date(text, field=name)
    except ValidationFailed as exc:
        errors.add(exc)
        return None


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    require(request.user, Right.SEE_FIGURES)
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
            "regions": regions.filter(pk__in=allowed) if allowed else regions,
            "lines": scoped(reference.lines(), request.user),
        },
        status=422 if errors else 200,
    )
