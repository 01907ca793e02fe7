"""What the workplace pages share: who may open which page, and service errors as form errors.

The rules themselves live in the services; this only turns their answers into pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from vmeste.accounts.roles import Right
from vmeste.core.errors import NotFound, ServiceError

# Reading requests and persons: staff who register or follow cases, and regional managers.
# Analysts count and never read a person; volunteers and couriers see their own tasks only.
READ_CASES = (Right.REGISTER, Right.HANDLE_REQUESTS, Right.SEE_PERSONAL_DATA)


def can_read_cases(user) -> bool:
    return any(user.can(right) for right in READ_CASES)


def require(user, *rights: str) -> None:
    """Any one of the rights opens the page; none of them is a 403."""
    if not any(user.can(right) for right in rights):
        raise PermissionDenied


def require_cases(user) -> None:
    require(user, *READ_CASES)


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


def not_found_as_404(exc: NotFound) -> Http404:
    return Http404(exc.message)


def values_of(post) -> dict[str, str]:
    """The posted form as a flat dict, so a re-rendered form keeps every typed character."""
    return {key: post.get(key, "") for key in post}
