from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from vmeste.accounts.roles import Right, Role


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the probe must answer, whatever the database says
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is: the call card for those who take calls, the
    courier's deliveries, a volunteer's shifts (the call card sends analysts and managers on)."""
    user = request.user
    if not user.can(Right.REGISTER):
        if user.role == Role.COURIER:
            return redirect("deliveries:mine")
        if getattr(user, "volunteer", None) is not None:
            return redirect("volunteers:my_shifts")
    return redirect("assistance:call_card")
