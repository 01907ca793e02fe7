"""`{% load privacy_panel %}`: what the person card's personal-data panel offers a user."""

from __future__ import annotations

from django import template

from vmeste.accounts.roles import Right
from vmeste.people.models import Consent

register = template.Library()


@register.simple_tag
def privacy_offers(user) -> dict:
    """Withdrawal (and renewal) of consent for those who register and see personal data; the
    subject's copy for those with its right (the services check again when posted to)."""
    return {
        "can_withdraw": user.can(Right.REGISTER) and user.can(Right.SEE_PERSONAL_DATA),
        "can_copy": user.can(Right.SUBJECT_COPY),
        "methods": Consent.Method.choices,
    }
