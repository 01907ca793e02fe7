"""The access policy: which role reads which kind of record, how far, and how much of it.

One table, read by every service that shows personal data — so the API, the pages, search
and exports decide alike. Rights (`roles.py`) say what a role may *do*; this says what it
may *read*:

- reach: `NONE` (403: the role counts, or has no business with the kind), `OWN` (only the
  records of the user's own tasks, e.g. a courier's deliveries), `SCOPE` (everything in the
  user's regions and lines, through `core.scoping`).
- view: `FULL`, or `MASKED` (phones, addresses and birth dates masked, see
  `people.services.display`).

Roles that only count (analysts) reach no personal record at all: they get figures.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from vmeste.accounts.roles import VOLUNTEER_OPERATOR, Role, acting_role
from vmeste.core.errors import Forbidden
from vmeste.core.scoping import scoped

M = TypeVar("M", bound=Model)


class Kind(StrEnum):
    PERSON = "person"  # a person's card, lookups by phone, duplicates, eligibility
    REQUEST = "request"  # requests: the person, the description, the timeline
    CONTACT = "contact"  # contacts: the caller's number, notes, the caller's history
    DELIVERY = "delivery"  # deliveries: the recipient's name, phone and address
    REFERRAL = "referral"  # referrals of a request to a measure or an organization
    VOLUNTEER = "volunteer"  # volunteers: applications, documents, hours


class Reach(StrEnum):
    NONE = "none"
    OWN = "own"
    SCOPE = "scope"


class View(StrEnum):
    FULL = "full"
    MASKED = "masked"


Grant = tuple[Reach, View]
_NOTHING: Grant = (Reach.NONE, View.MASKED)
_CASEWORK = (Kind.PERSON, Kind.REQUEST, Kind.CONTACT, Kind.DELIVERY, Kind.REFERRAL)


def _grants(kinds, grant: Grant) -> dict[Kind, Grant]:
    return dict.fromkeys(kinds, grant)


_STAFF = _grants(_CASEWORK, (Reach.SCOPE, View.FULL))
_MANAGES_VOLUNTEERS = {Kind.VOLUNTEER: (Reach.SCOPE, View.FULL)}

POLICY: dict[str, dict[Kind, Grant]] = {
    Role.ADMINISTRATOR: {**_STAFF, **_MANAGES_VOLUNTEERS},
    Role.SUPERVISOR: {**_STAFF, **_MANAGES_VOLUNTEERS},
    Role.COORDINATOR: {**_STAFF, **_MANAGES_VOLUNTEERS},
    Role.OPERATOR: _STAFF,
    # A regional manager oversees their region's cases (the right to personal data is
    # theirs in `roles.py`) but dispatches nothing: deliveries are the dispatchers'.
    Role.REGIONAL_MANAGER: _grants(
        (Kind.PERSON, Kind.REQUEST, Kind.CONTACT, Kind.REFERRAL), (Reach.SCOPE, View.FULL)
    ),
    # Volunteers and couriers read people only through the deliveries they carry (the
    # recipient's name, phone and address while the delivery is active: `courier_card`).
    Role.VOLUNTEER: {Kind.DELIVERY: (Reach.OWN, View.FULL)},
    # A volunteer acting as an operator takes calls: the caller's card, their contacts and
    # requests in the volunteer's scope (their centre's region), and their own deliveries.
    VOLUNTEER_OPERATOR: {
        **_grants((Kind.PERSON, Kind.REQUEST, Kind.CONTACT), (Reach.SCOPE, View.FULL)),
        Kind.DELIVERY: (Reach.OWN, View.FULL),
    },
    Role.COURIER: {Kind.DELIVERY: (Reach.OWN, View.FULL)},
    Role.ANALYST: {},
    Role.TELEPHONY: {},
}


def grant(user, kind: Kind) -> Grant:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOTHING
    return POLICY.get(acting_role(user), {}).get(kind, _NOTHING)


def reach(user, kind: Kind) -> Reach:
    return grant(user, kind)[0]


def sees_full(user, kind: Kind) -> bool:
    """Whether the user reads this kind unmasked (only meaningful where they reach it)."""
    reached, view = grant(user, kind)
    return reached is not Reach.NONE and view is View.FULL


def require(user, kind: Kind) -> Reach:
    """The user's reach for the kind; a 403 when they have none."""
    reached = reach(user, kind)
    if reached is Reach.NONE:
        raise Forbidden(_("Эти данные вашей роли недоступны."))
    return reached


def readable(queryset: QuerySet[M], user, kind: Kind, *, own: Q | None = None) -> QuerySet[M]:
    """The rows of `queryset` the user may read: in scope, or only their own (`own`: the
    condition that makes a row theirs; without one, a role limited to its own tasks reads
    none). A role that does not reach the kind is refused with a 403."""
    reached = require(user, kind)
    if reached is Reach.OWN:
        return queryset.filter(own) if own is not None else queryset.none()
    return scoped(queryset, user)
