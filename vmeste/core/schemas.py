"""Shapes shared by every router: the list envelope."""

from __future__ import annotations

from functools import cache

from ninja import Schema
from pydantic import create_model


@cache
def ListOf(item: type[Schema]) -> type[Schema]:
    """`{"items": [...], "count": N}` where N counts every match, not just this page."""
    return create_model(
        f"{item.__name__}List", __base__=Schema, items=(list[item], ...), count=(int, ...)
    )
