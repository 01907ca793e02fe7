"""Contact centre API: the supervisors' wallboard."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from vmeste.contactcenter import services

router = Router(tags=["contactcenter"])


class LineBoard(Schema):
    line: str
    waiting: int
    longest_wait_seconds: float
    offered_today: int
    answered_today: int
    answered_within_target_today: int
    abandoned_today: int
    service_level_today: float | None


class CentreBoard(Schema):
    centre: str
    agents: dict[str, int]
    lines: list[LineBoard]


class Wallboard(Schema):
    at: str
    service_level_definition: str
    centres: list[CentreBoard]


@router.get("/contactcenter/wallboard", response=Wallboard)
def wallboard(request: HttpRequest):
    """Live figures per centre and line; refreshed at most once a second for everyone."""
    return services.wallboard(user=request.user)
