"""Pages ask the access table (`access.py`) for their 403: one answer for the API, the pages
and search. Generic page helpers (FormErrors, require) are in `core.ui`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from vmeste.accounts import access


def can_read_cases(user) -> bool:
    """Requests and persons are read by whom the access policy lets read requests (staff who
    register or follow cases, regional managers); analysts count, couriers and volunteers
    see their own deliveries only."""
    return access.reach(user, access.Kind.REQUEST) is not access.Reach.NONE


def require_reading(user, kind: access.Kind) -> None:
    """The page of a kind of record the user's role does not read is a 403."""
    if access.reach(user, kind) is access.Reach.NONE:
        raise PermissionDenied


def require_cases(user) -> None:
    require_reading(user, access.Kind.REQUEST)
