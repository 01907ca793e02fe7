"""Shapes shared by every router: the list envelope."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated

from ninja import Schema
from pydantic import Field, create_model


@cache
def ListOf(item: type[Schema]) -> type[Schema]:
    """`{"items": [...], "count": N}` where N counts every match, not just this page."""
    return create_model(
        f"{item.__name__}List", __base__=Schema, items=(list[item], ...), count=(int, ...)
    )


# A database id: positive and within a signed 64-bit column, so that a huge number in a URL
# or a body is a validation error, not an overflow in the database driver.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class TimelineEventOut(Schema):
    """One line of a timeline (a request's, a volunteer's): who did what, when."""

    at: datetime
    actor: str | None
    kind: str
    from_status: str
    to_status: str
    text: str
