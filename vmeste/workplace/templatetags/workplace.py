"""`{% load workplace %}`: the top bar's sections, read from the rights table."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from vmeste.accounts.roles import Right, Role
from vmeste.accounts.ui import can_read_cases

register = template.Library()


@register.simple_tag
def workplace_sections(user) -> list[dict]:
    """The top bar's sections this user may open, read from the rights table."""
    sections = []
    if user.can(Right.REGISTER):
        sections.append(("assistance:call_card", _("Звонок"), ("assistance:call_card",)))
    if can_read_cases(user):
        sections.append(
            (
                "assistance:request_list",
                _("Заявки"),
                ("assistance:request_list", "assistance:request_detail", "people:person_detail"),
            )
        )
    if user.can(Right.HANDLE_REQUESTS):
        sections.append(("assistance:my_work", _("Моя работа"), ("assistance:my_work",)))
    if user.can(Right.SEE_FIGURES):
        sections.append(("reports:figures", _("Показатели"), ("reports:figures",)))
    if user.can(Right.REGISTER) or user.can(Right.EDIT_REFERENCE):
        sections.append(
            (
                "knowledge:list",
                _("База знаний"),
                ("knowledge:list", "knowledge:detail", "knowledge:edit", "knowledge:history"),
            )
        )
        sections.append(
            (
                "directory:search",
                _("Навигатор помощи"),
                (
                    "directory:search",
                    "directory:rules",
                    "directory:rule_measure",
                    "directory:rule_new",
                    "directory:rule_named",
                ),
            )
        )
    if user.can(Right.MANAGE_VOLUNTEERS):
        sections.append(
            (
                "volunteers:staff_list",
                _("Волонтёры"),
                (
                    "volunteers:staff_list",
                    "volunteers:staff_card",
                    "volunteers:staff_calendar",
                    "volunteers:coverage",
                ),
            )
        )
    if user.can(Right.HANDLE_REQUESTS):
        sections.append(("deliveries:board", _("Доставки"), ("deliveries:board",)))
    if user.can(Right.EDIT_REFERENCE):
        sections.append(("launch:lines", _("Линии"), ("launch:lines", "launch:line")))
    is_volunteer = getattr(user, "volunteer", None) is not None
    if is_volunteer:
        sections.append(
            (
                "volunteers:my_shifts",
                _("Мои смены"),
                ("volunteers:my_shifts", "volunteers:my_hours", "volunteers:my_trainings"),
            )
        )
    if user.role == Role.COURIER or is_volunteer:
        sections.append(("deliveries:mine", _("Мои доставки"), ("deliveries:mine",)))
    if user.can(Right.REGISTER) or user.can(Right.SEE_FIGURES):
        sections.append(
            (
                "contactcenter:workplace",
                _("Контакт-центр"),
                ("contactcenter:workplace", "contactcenter:wallboard"),
            )
        )
    return [
        {"url": url, "label": label, "key": i + 1, "current": current}
        for i, (url, label, current) in enumerate(sections)
    ]
