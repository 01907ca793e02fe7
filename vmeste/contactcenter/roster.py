"""Who is signed in, by centre and skill: kept in each server process between dispatches.

The router counts the signed-in agents of each (centre, skill) for one rule only: a call
whose home centre has nobody with its skill signed in overflows at once. Reading and
decoding 2,000 agents' skills on every dispatch cost more than the rest of it, so each
process keeps those counts and re-reads them only when the signed-in agents changed.

Whether they changed is asked of the database on each use (one aggregate over the
signed-in rows: their number, the sum of their ids, of their centres and of the length of
their skills), so a sign-in, a sign-out or an edit made by another server process is seen
by the next dispatch here; this process's own saves of an agent drop the counts at once
(the signal below), and they are re-read at least every ``MAX_AGE_SECONDS`` whatever the
aggregate says (an edit that keeps all four, e.g. a skill renamed to one of the same
length, is seen then). Stale counts could only make a call overflow a little early or
late: the agents a dispatch may ring are always its locked, freshly read available ones.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, F, Sum, TextField
from django.db.models.functions import Cast, Length
from django.db.models.signals import post_delete, post_save

from vmeste.contactcenter.models import Agent
from vmeste.contactcenter.services import AGENT_STATE_FIELDS
from vmeste.contactcenter.transitions import AgentState

MAX_AGE_SECONDS = 30.0


class Roster(NamedTuple):
    key: tuple
    loaded_at: float
    skills: dict[int, tuple[int, dict[str, int]]]  # agent pk -> (centre pk, skills)
    signed: Counter  # (centre pk, skill) -> signed-in agents


_lock = threading.Lock()
_current: Roster | None = None


def _fingerprint() -> tuple:
    row = (
        Agent.objects.exclude(state=AgentState.OFFLINE)
        .order_by()
        .aggregate(
            n=Count("pk"),
            ids=Sum("pk"),
            centres=Sum(F("pk") * F("centre_id")),
            skills=Sum(Length(Cast("skills", TextField()))),
        )
    )
    return (connection.alias, connection.settings_dict["NAME"], *row.values())


def _load(key: tuple) -> Roster:
    skills: dict[int, tuple[int, dict[str, int]]] = {}
    signed: Counter = Counter()
    for pk, centre_id, agent_skills in Agent.objects.exclude(state=AgentState.OFFLINE).values_list(
        "pk", "centre_id", "skills"
    ):
        skills[pk] = (centre_id, agent_skills)
        signed.update((centre_id, skill) for skill in agent_skills)
    return Roster(key, time.monotonic(), skills, signed)


def current() -> Roster:
    """The signed-in agents' centres and skills, as the database has them now."""
    global _current
    key = _fingerprint()
    roster = _current
    if roster is None or roster.key != key or time.monotonic() - roster.loaded_at > MAX_AGE_SECONDS:
        with _lock:
            roster = _current = _load(key)
    return roster


def clear(**_kwargs) -> None:
    global _current
    _current = None


def _saved(sender, update_fields=None, **_kwargs) -> None:
    # A move along the state table saves only the state fields: the fingerprint tells a
    # sign-in or sign-out; any other save (skills, centre, a new agent) drops the counts.
    if update_fields is None or not set(update_fields) <= set(AGENT_STATE_FIELDS):
        clear()


post_save.connect(_saved, sender=Agent, dispatch_uid="contactcenter-roster-save")
post_delete.connect(clear, sender=Agent, dispatch_uid="contactcenter-roster-delete")
