"""Roles and what each may do: one table, read by the UI, the API and the services."""

from __future__ import annotations

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
        }
    ),
    Role.OPERATOR: frozenset(_STAFF | {Right.MERGE_PERSONS}),
    Role.COORDINATOR: frozenset(_STAFF | {Right.MERGE_PERSONS, Right.MANAGE_VOLUNTEERS}),
    Role.REGIONAL_MANAGER: frozenset({Right.SEE_PERSONAL_DATA, Right.SEE_FIGURES}),
    # Volunteers and couriers see personal data only through their own active tasks;
    # analysts count, they never read a person.
    Role.VOLUNTEER: frozenset(),
    Role.COURIER: frozenset(),
    Role.ANALYST: frozenset({Right.SEE_FIGURES}),
    Role.TELEPHONY: frozenset({Right.TELEPHONY_EVENTS}),
}


def has_right(role: str, right: str) -> bool:
    return right in RIGHTS.get(role, frozenset())
