"""Figures for supervisors, analysts and regional managers."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from vmeste.core.dates import SaneDate
from vmeste.reports import services

router = Router(tags=["figures"])


class DayOut(Schema):
    date: str
    contacts: int
    requests: int
    people_helped: int


class BreakdownOut(Schema):
    code: str
    name: str
    contacts: int
    requests: int
    people_helped: int


class FiguresOut(Schema):
    date_from: str
    date_to: str
    time_zone: str
    contacts: int
    requests: int
    people_helped: int
    by_day: list[DayOut]
    by_region: list[BreakdownOut]
    by_line: list[BreakdownOut]
    by_category: list[BreakdownOut]


@router.get("/figures", response=FiguresOut)
def read_figures(
    request: HttpRequest,
    date_from: SaneDate | None = None,
    date_to: SaneDate | None = None,
    region: str = "",
    line: str = "",
    category: str = "",
):
    return services.figures(
        user=request.user,
        p=services.period(date_from, date_to),
        filters=services.FigureFilters(region=region, line=line, category=category),
    )
