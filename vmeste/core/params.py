"""Numbers typed into a page's query string: a malformed or absurd one is a clear 422."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _

from vmeste.core.errors import ValidationFailed


def int_param(params: QueryDict, name: str, *, default: int, lowest: int, highest: int) -> int:
    """The named whole number, `default` when absent; refused outside lowest..highest."""
    text = params.get(name, "").strip()
    if not text:
        return default
    if not text.lstrip("-").isdecimal() or not lowest <= int(text) <= highest:
        raise ValidationFailed(
            {name: _("Целое число от %(lo)s до %(hi)s.") % {"lo": lowest, "hi": highest}}
        )
    return int(text)
