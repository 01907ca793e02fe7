"""The server process's memory settled once it has loaded: its objects out of the
cycle collector's way.

A served process holds some 120,000 objects after start-up (Django, the URL patterns, the
API's schemas, the Russian word forms) that live as long as it does. The cycle collector
walks every one of them at each full collection: on the telephony event bench that was a
pause of 200–230 ms in the middle of an event, twice in 600 events — the events' p99 on
its own. ``gc.freeze()`` moves them to a generation it never walks (objects that die
later are still freed by their reference counts); what the process allocates afterwards
is collected as before.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Load what the first request would (the URL patterns and the views they import),
    collect once, and freeze what is left. Answers how many objects are frozen now."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every app's views and the API)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
