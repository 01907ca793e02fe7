"""Figures for supervisors, analysts and regional managers."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

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


class CallsOut(Schema):
    offered: int = Field(description="offered to a queue (not the calls ended in the menu)")
    answered: int
    within_target: int = Field(description="answered within the queue's target")
    abandoned: int = Field(description="hung up while waiting in a queue")
    abandoned_in_menu: int = Field(description="hung up in the voice menu: not offered")
    served_in_menu: int = Field(description="ended on a message or the robot's answer")
    service_level: float | None = Field(description="within_target / offered")


class FiguresOut(Schema):
    date_from: str
    date_to: str
    time_zone: str
    contacts: int
    requests: int
    people_helped: int
    calls: CallsOut
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
