"""How long a sign-in stays closed after failures: django-axes counts, this sets the pause.

Failures are counted per account and per client address separately (settings.py), so that
neither a new address per attempt nor a new account per attempt gets round the limit. Each
further round of failures while closed doubles the pause, up to a ceiling.
"""

from __future__ import annotations

from datetime import timedelta

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

BASE_PAUSE = timedelta(minutes=15)
MAX_DOUBLINGS = 6  # 15 min · 2⁶ = 16 h


def _failures(**match: str) -> int:
    total = AccessAttempt.objects.filter(**match).aggregate(n=Sum("failures_since_start"))["n"]
    return total or 0


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """AXES_COOLOFF_TIME: the base pause, doubled for each full round of failures past it."""
    if request is None:
        return BASE_PAUSE
    limit = max(1, int(settings.AXES_FAILURE_LIMIT))
    username = get_client_username(request)
    address = getattr(request, "axes_ip_address", None)
    failures = max(
        _failures(username=username) if username else 0,
        _failures(ip_address=address) if address else 0,
    )
    doublings = min(max(0, failures - limit) // limit, MAX_DOUBLINGS)
    return BASE_PAUSE * 2**doublings
