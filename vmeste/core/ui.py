"""What every page shares, whatever its domain: a right as a 403, service errors as form
errors, a posted form kept for its re-rendering.

It sits in the lowest layer so that any app's pages use it without importing from another
app's views (the rule: apps import downward only, see tests/test_layers.py). Which role reads
which kind of record is asked of `accounts.ui.require_reading`, one layer up.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from vmeste.core.errors import ServiceError


def require(user, *rights: str) -> None:
    """Any one of the rights opens the page; none of them is a 403."""
    if not any(user.can(right) for right in rights):
        raise PermissionDenied


class FormErrors(dict):
    """{field: [messages]} plus the general message; empty when nothing is wrong."""

    message: str = ""

    def __bool__(self) -> bool:
        # A refusal without fields (not found, forbidden) is an error all the same.
        return bool(len(self)) or bool(self.message)

    def add(self, exc: ServiceError) -> None:
        for name, messages in exc.fields.items():
            self.setdefault(name, []).extend(messages)
        self.message = self.message or exc.message


def values_of(post) -> dict[str, str]:
    """The posted form as a flat dict, so a re-rendered form keeps every typed character."""
    return {key: post.get(key, "") for key in post}
