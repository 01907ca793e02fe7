"""Where each role starts: the site's root (`core:home`) belongs to the shell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from vmeste.accounts.roles import Right, Role
from vmeste.assistance.services import open_requests_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is: the call card for those who take calls, a
    coordinator's own requests, the courier's deliveries, a volunteer's shifts (the call card
    sends analysts and managers on)."""
    user = request.user
    if user.role == Role.COORDINATOR:
        # Coordinators follow cases to the end: their own open requests, or, with none
        # assigned yet, the requests of their regions and lines to take on.
        mine = open_requests_of(user).exists()
        return redirect("assistance:my_work" if mine else "assistance:request_list")
    if not user.can(Right.REGISTER):
        if user.role == Role.COURIER:
            return redirect("deliveries:mine")
        if getattr(user, "volunteer", None) is not None:
            return redirect("volunteers:my_shifts")
    return redirect("assistance:call_card")
