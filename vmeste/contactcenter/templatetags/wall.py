"""Filters of the wallboard: a wait as mm:ss, and a count by key."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def mmss(seconds: float | int | None) -> str:
    """1234.5 → "20:34"; an hour or more → "1:02:03"; nothing → "0:00"."""
    total = max(int(seconds or 0), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def count_of(counts: dict, key: str) -> int:
    return (counts or {}).get(key, 0)
