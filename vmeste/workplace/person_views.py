"""The person's card: who they are, their requests and contacts, possible duplicates, and the
parts other apps declare for it (`core.panels`, PERSON: privacy's personal-data panel). It
lists records of several apps, so it belongs to the workplace (opening it is audited once by
`people.services.get_person`, naming what is shown beside the card)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from vmeste.accounts.access import Kind
from vmeste.accounts.roles import Right
from vmeste.accounts.ui import require_reading
from vmeste.assistance import services as assistance
from vmeste.contacts import services as contacts
from vmeste.core.errors import NotFound
from vmeste.people import merging, services
from vmeste.people.edit_views import can_edit
from vmeste.people.models import SITUATION_FLAGS
from vmeste.workplace import panels


def _navigator_url(person, user) -> str:
    """The navigator's eligibility for this person, when the navigator is installed and the
    user may see what it reads (age, income, situation)."""
    if not user.can(Right.SEE_PERSONAL_DATA):
        return ""
    try:
        return reverse("directory:panel", args=[person.pk])
    except NoReverseMatch:
        return ""


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    require_reading(request.user, Kind.PERSON)
    shown: dict = {}

    def beside_the_card(person) -> dict:
        """The requests and contacts the card lists, read before the audit entry is written
        so that it names them too."""
        shown["requests"] = list(
            assistance.requests_for(request.user)
            .filter(person=person)
            .select_related("category", "subcategory", "region")
            .order_by("-created_at")[:50]
        )
        shown["history"] = list(
            contacts.contacts_for(request.user)
            .filter(person=person)
            .select_related("line")
            .order_by("-started_at")[:50]
        )
        return {
            Kind.REQUEST: [r.pk for r in shown["requests"]],
            Kind.CONTACT: [c.pk for c in shown["history"]],
        }

    try:
        person = services.get_person(
            person_id=person_id, user=request.user, also_shown=beside_the_card
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    card = services.display(person, request.user)
    can_merge = request.user.can(Right.MERGE_PERSONS) and not person.merged_into_id
    duplicates = (
        [
            {"card": services.display(other, request.user), "score": score}
            for other, score in merging.possible_duplicates(person=person, user=request.user)
        ]
        if can_merge
        else []
    )
    requests, history = shown["requests"], shown["history"]
    return render(
        request,
        "workplace/person_detail.html",
        {
            "person": person,
            "card": card,
            "flags": [SITUATION_FLAGS[code] for code in card["flags"]],
            "flags_no": [SITUATION_FLAGS[code] for code in card["flags_no"]],
            "duplicates": duplicates,
            "can_merge": can_merge,
            "can_edit": can_edit(request.user) and not person.merged_into_id,
            "navigator_url": _navigator_url(person, request.user),
            "requests": requests,
            "history": history,
            "person_panels": panels.for_person_card(),
        },
    )
