"""Roles and what each may do: one table, read by the UI, the API and the services."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("администратор")
    SUPERVISOR = "supervisor", _("супервизор")
    OPERATOR = "operator", _("оператор")
    COORDINATOR = "coordinator", _("координатор")
    VOLUNTEER = "volunteer", _("волонтёр")
    COURIER = "courier", _("курьер")
    ANALYST = "analyst", _("аналитик")
    REGIONAL_MANAGER = "regional_manager", _("региональный руководитель")
    TELEPHONY = "telephony", _("телефония (сервис)")


class Right(models.TextChoices):
    SEE_PERSONAL_DATA = "see_personal_data"
    REGISTER = "register"  # contacts, persons, requests
    HANDLE_REQUESTS = "handle_requests"  # transitions, assignment, comments
    MERGE_PERSONS = "merge_persons"
    # Two cards of one person filed in two regions: a decision for someone who holds both.
    MERGE_ACROSS_REGIONS = "merge_across_regions"
    SEE_FIGURES = "see_figures"
    MANAGE_USERS = "manage_users"
    EDIT_REFERENCE = "edit_reference"
    TELEPHONY_EVENTS = "telephony_events"
    MANAGE_VOLUNTEERS = "manage_volunteers"  # recruitment, trainings, shift calendar
    SUBJECT_COPY = "subject_copy"  # everything held about one person, for that person (152-FZ)
    EDIT_VOICE_MENU = "edit_voice_menu"  # the lines' voice menus and their recordings


_STAFF = {Right.SEE_PERSONAL_DATA, Right.REGISTER, Right.HANDLE_REQUESTS}

RIGHTS: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: frozenset(
        _STAFF
        | {
            Right.MERGE_PERSONS,
            Right.MERGE_ACROSS_REGIONS,
            Right.SEE_FIGURES,
            Right.MANAGE_USERS,
            Right.EDIT_REFERENCE,
            Right.MANAGE_VOLUNTEERS,
            Right.SUBJECT_COPY,
            Right.EDIT_VOICE_MENU,
        }
    ),
    Role.SUPERVISOR: frozenset(
        _STAFF
        | {
            Right.MERGE_PERSONS,
            Right.MERGE_ACROSS_REGIONS,
            Right.SEE_FIGURES,
            Right.EDIT_REFERENCE,
            Right.MANAGE_VOLUNTEERS,
            Right.SUBJECT_COPY,
            Right.EDIT_VOICE_MENU,
        }
    ),
    Role.OPERATOR: frozenset(_STAFF | {Right.MERGE_PERSONS}),
    Role.COORDINATOR: frozenset(_STAFF | {Right.MERGE_PERSONS, Right.MANAGE_VOLUNTEERS}),
    Role.REGIONAL_MANAGER: frozenset({Right.SEE_PERSONAL_DATA, Right.SEE_FIGURES}),
    # Volunteers and couriers see personal data only through their own active tasks;
    # analysts count, they never read a person. Which record each role reads, and how much
    # of it, is `access.py`'s table.
    Role.VOLUNTEER: frozenset(),
    Role.COURIER: frozenset(),
    Role.ANALYST: frozenset({Right.SEE_FIGURES}),
    Role.TELEPHONY: frozenset({Right.TELEPHONY_EVENTS}),
}


# A volunteer granted the operator role (a `volunteers.RoleGrant`, active volunteer) answers
# calls: the call card, looking the caller up, registering contacts and requests for the calls
# they are sent. Not a role anyone is given: the role a volunteer *acts in* while they hold the
# grant (`acting_role`). What they read is `access.py`'s line of the same name.
VOLUNTEER_OPERATOR = "volunteer_operator"
RIGHTS[VOLUNTEER_OPERATOR] = frozenset({Right.SEE_PERSONAL_DATA, Right.REGISTER})
ROLES_AND_ACTING = [*Role.values, VOLUNTEER_OPERATOR]

# role → a function telling the role a user of it acts in now (registered by the app that
# knows: `volunteers` for volunteers), since accounts cannot import it.
_ACTING: dict[str, Callable[[object], str]] = {}


def register_acting_role(role: str, resolve: Callable[[object], str]) -> None:
    _ACTING[role] = resolve


def acting_role(user) -> str:
    """The role the user's rights and reads follow: their own, or the one a grant makes them
    act in; asked once per user object (a request's user: once per request)."""
    cached = getattr(user, "_vmeste_acting_role", None)
    if cached is None:
        resolve = _ACTING.get(user.role)
        cached = resolve(user) if resolve is not None and user.pk else user.role
        user._vmeste_acting_role = cached
    return cached


def has_right(role: str, right: str) -> bool:
    return right in RIGHTS.get(role, frozenset())
