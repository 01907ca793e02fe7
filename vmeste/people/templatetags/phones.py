"""`{% load phones %}`: a stored number as people read it."""

from __future__ import annotations

from django import template

from vmeste.people.phones import pretty

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    """A stored number as people read it: +7 900 000-00-00 (a masked one as it is)."""
    return pretty(e164 or "")
