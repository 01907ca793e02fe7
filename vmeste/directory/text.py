"""Text filters that also fold Cyrillic case on SQLite, whose LIKE folds ASCII only."""

from __future__ import annotations

from django.db.models import Q


def text_q(text: str, *fields: str) -> Q:
    """Any of `fields` contains `text`, in the spellings people type: as typed, lower case,
    capitalised, upper case (PostgreSQL's ILIKE needs only the first)."""
    variants = {text, text.lower(), text.capitalize(), text.upper()}
    condition = Q()
    for field in fields:
        for variant in variants:
            condition |= Q(**{f"{field}__icontains": variant})
    return condition
