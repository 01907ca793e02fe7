"""What the workplace pages share: who may open which page, and service errors as form errors.

The rules themselves live in the services; this only turns their answers into pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from vmeste.accounts import access
from vmeste.core.errors import NotFound, ServiceError


def can_read_cases(user) -> bool:
    """Requests and persons are read by whom the access policy lets read requests (staff who
    register or follow cases, regional managers); analysts count, couriers and volunteers
    see their own deliveries only."""
    return access.reach(user, access.Kind.REQUEST) is not access.Reach.NONE


def require_reading(user, kind: access.Kind) -> None:
    """The page of a kind of record the user's role does not read is a 403."""
    if access.reach(user, kind) is access.Reach.NONE:
        raise PermissionDenied


def require(user, *rights: str) -> None:
    """Any one of the rights opens the page; none of them is a 403."""
    if not any(user.can(right) for right in rights):
        raise PermissionDenied


def require_cases(user) -> None:
    require_reading(user, access.Kind.REQUEST)


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
