"""Which waiting calls the dispatch holds back for now, and for whom.

- A call transferred to a named agent waits for that agent (rung as soon as they are
  available) for ``TRANSFER_AGENT_WAIT_SECONDS`` after the transfer; then it is an
  ordinary call of its queue again, in the place of its first offer.
- A callback (the caller accepted it and hung up) is placed only within
  ``CALLBACK_HOURS`` in the caller's region — the region of the centre that took the call,
  the installation's zone for the national centre — and not before
  ``CALLBACK_RETRY_SECONDS`` after a failed attempt. Held back, it keeps its place: the
  router is given it, by its first offer, as soon as the window opens.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings

from vmeste.contactcenter import configcache
from vmeste.contactcenter.models import Call
from vmeste.contactcenter.services import centre_zone


def waits_for_agent(call: Call, now: datetime) -> str:
    """The username the call still waits for ("" when none, or when it gave up on them)."""
    if not call.wanted_agent or call.requeued_at is None:
        return ""
    if now >= call.requeued_at + timedelta(seconds=settings.TRANSFER_AGENT_WAIT_SECONDS):
        return ""
    return call.wanted_agent


def is_callback(call: Call) -> bool:
    """Whether the call waits to be dialled back: a callback answered once and transferred
    on is a caller on the line, waiting at the node holding them like any."""
    return call.callback_requested and call.answered_at is None


def callback_not_before(call: Call, now: datetime) -> datetime:
    """The first moment from ``now`` at which this callback may be placed."""
    moment = now
    if call.callback_failed_at is not None:
        retry = call.callback_failed_at + timedelta(seconds=settings.CALLBACK_RETRY_SECONDS)
        moment = max(moment, retry)
    return next_daytime(moment, call)


def next_daytime(moment: datetime, call: Call) -> datetime:
    """``moment`` when it is within the callback hours in the caller's region, else the
    start of those hours next (this evening's night waits for the morning)."""
    opens, closes = _hours()
    if opens == closes:
        return moment  # around the clock
    zone = centre_zone(configcache.centre_by_pk(call.centre_id) if call.centre_id else None)
    local = moment.astimezone(zone)
    if opens <= local.time() < closes:
        return moment
    day = local.date() if local.time() < opens else local.date() + timedelta(days=1)
    return datetime.combine(day, opens, tzinfo=zone)


def held_back(call: Call, now: datetime) -> bool:
    """A callback that may not be placed now (night in its region, or a retry not due)."""
    return is_callback(call) and callback_not_before(call, now) > now


def _hours() -> tuple[time, time]:
    opens, closes = settings.CALLBACK_HOURS.split("-")
    return time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip())
