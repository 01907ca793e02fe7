"""The caller's history on the call card: persons with this number, past contacts, open
requests. Answered as an htmx fragment while the operator types the number."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vmeste.accounts.roles import Right
from vmeste.assistance import services as assistance
from vmeste.assistance.transitions import CLOSED
from vmeste.assistance.ui import require
from vmeste.contacts import services as contacts
from vmeste.core.errors import ValidationFailed
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
                persons=[(people.display(p, request.user), p.region) for p in persons],
                history=contacts.history(user=request.user, e164=phone.e164, persons=persons),
                open_requests=open_requests_of(user=request.user, persons=persons),
            )
    elif number:
        context["state"] = "short"
    return render(request, "contacts/_caller_history.html", context)
