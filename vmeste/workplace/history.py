"""The caller's history on the call card: persons with this number, past contacts, open
requests. Answered as an htmx fragment while the operator types the number."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vmeste.accounts.roles import Right
from vmeste.assistance import services as assistance
from vmeste.assistance.transitions import CLOSED
from vmeste.contacts import services as contacts
from vmeste.core.errors import ValidationFailed
from vmeste.core.ui import require
from vmeste.people import services as people
from vmeste.people.phones import try_normalise

MIN_DIGITS = 10


def open_requests_of(*, user, persons: list, limit: int = 20) -> list:
    """Open requests of these persons in the user's scope (no service lists them yet)."""
    if not persons:
        return []
    return list(
        assistance.requests_for(user)
        .filter(person__in=persons)
        .exclude(status__in=CLOSED)
        .select_related("category", "subcategory", "region", "assignee")
        .order_by("due_at")[:limit]
    )


def card_fill(person, user, e164: str) -> str:
    """«Это он(а)»: every known field of the person in the call card's field names, as JSON
    for the button. Personal fields only for those who may see them; 60+ is worked out from
    the birth date (or the age said earlier); yes/no answers as the card's questions take
    them. The card fills only the fields its line asks."""
    values = {
        "person_id": str(person.pk),
        "person.last_name": person.last_name,
        "person.first_name": person.first_name,
        "person.middle_name": person.middle_name,
        "region": person.region.code if person.region_id else "",
    }
    # Only what the person agreed to have kept is offered again.
    if user.can(Right.SEE_PERSONAL_DATA) and person.consent == "given":
        primary = next((p.e164 for p in person.phones.all() if p.is_primary), e164)
        values.update(
            {
                "person.birth_date": person.birth_date.isoformat() if person.birth_date else "",
                "person.address": person.address,
                "person.phone": primary,
                "intake.district": person.district,
            }
        )
        age = person.age
        if age is not None:
            values["intake.age_60_plus"] = _("да") if age >= 60 else _("нет")
        for code in ("self_isolation", "lives_alone"):
            flag = getattr(person, code)
            if flag is not None:
                values[f"intake.{code}"] = _("да") if flag else _("нет")
    return json.dumps({k: v for k, v in values.items() if v}, ensure_ascii=False)


@login_required
@require_GET
def caller_history(request: HttpRequest) -> HttpResponse:
    require(request.user, Right.REGISTER)
    number = request.GET.get("caller_number", "").strip()
    context: dict = {"number": number, "state": "empty"}
    if sum(ch.isdigit() for ch in number) >= MIN_DIGITS:
        phone = try_normalise(number)
        if phone is None:
            context["state"] = "invalid"
        else:
            try:
                persons = people.find_by_phone(phone=phone.e164, user=request.user)
            except ValidationFailed:
                persons = []
            context.update(
                state="found" if persons else "new",
                e164=phone.e164,
                shown_number=people.visible_phone(phone.e164, request.user),
                persons=[
                    (
                        people.display(p, request.user),
                        p.region,
                        card_fill(p, request.user, phone.e164),
                    )
                    for p in persons
                ],
                history=contacts.history(user=request.user, e164=phone.e164, persons=persons),
                open_requests=open_requests_of(user=request.user, persons=persons),
            )
    elif number:
        context["state"] = "short"
    return render(request, "workplace/_caller_history.html", context)
