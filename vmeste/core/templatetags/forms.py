"""`{% load forms %}`: what every page's forms use, whatever its app: field values and
errors by dotted names, yes/no, a message's tags. In the lowest layer, so that no app's
template loads a library of an app above it (see tests/test_layers.py)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yes_no(value) -> str:
    """A yes/no answer; "—" when it was not asked."""
    if value is None or value == "":
        return "—"
    return _("да") if value else _("нет")


@register.filter
def get(mapping, key):
    """`values|get:"person.phone"`: dotted keys cannot be reached with Django's dot syntax."""
    if not mapping:
        return ""
    return mapping.get(key, "")


@register.simple_tag
def field_error(errors, name: str):
    """The messages for one field, placed right under it and tied to it for screen readers."""
    messages = (errors or {}).get(name) or []
    if not messages:
        return ""
    return format_html(
        '<p class="field-error" id="err-{}" role="alert">{}</p>',
        name.replace(".", "-"),
        format_html_join(" ", "<span>{}</span>", ((m,) for m in messages)),
    )


@register.simple_tag
def invalid(errors, name: str):
    """Attributes marking an input as invalid when its field has an error."""
    if (errors or {}).get(name):
        return format_html('aria-invalid="true" aria-describedby="err-{}"', name.replace(".", "-"))
    return ""


@register.filter
def tag_value(tags: str, prefix: str) -> str:
    """`message.extra_tags|tag_value:"link"` → the value of a `link:/path` tag, or ""."""
    for tag in (tags or "").split():
        if tag.startswith(prefix + ":"):
            return tag[len(prefix) + 1 :]
    return ""
