"""Who is signed in, by centre and skill: kept in each server process between dispatches.

The router counts the signed-in agents of each (centre, skill) for one rule only: a call
whose home centre has nobody with its skill signed in overflows at once. Reading and
decoding 2,000 agents' skills on every dispatch cost more than the rest of it, so each
process keeps those counts and re-reads them only when the signed-in agents changed.

Whether they changed is asked of the database at most every ``CHECK_SECONDS``: the
roster's change stamp (``core.stamps``), which a database trigger renews whenever an
agent is added, removed, signed in or out, moved between centres or given other skills
(not on the state changes of a working day), in whichever process. This process's own
saves of an agent that sign them in or out, or change anything but their state, drop
the counts at once (the signal below). (Before the stamp, an aggregate over the 2,000
signed-in rows every few seconds and a full re-read every 30 s landed in the event
path's p99.) Stale counts could only make a call overflow a little early or late: the
agents a dispatch may ring are always its locked, freshly read available ones.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import NamedTuple

from django.db import connection
from django.db.models.signals import post_delete, post_save

from vmeste.contactcenter import configcache
from vmeste.contactcenter.models import Agent
from vmeste.contactcenter.services import AGENT_STATE_FIELDS
from vmeste.contactcenter.transitions import AgentState
from vmeste.core import stamps

CHECK_SECONDS = 1.0


class Roster(NamedTuple):
    key: tuple
    loaded_at: float
    skills: dict[int, tuple[int, dict[str, int]]]  # agent pk -> (centre pk, skills)
    signed: Counter  # (centre pk, skill) -> signed-in agents
    reference: object  # the reference snapshot the key names


_lock = threading.Lock()
_current: Roster | None = None
_checked_at = 0.0  # when the database last confirmed ``_current``


def _key() -> tuple:
    # With the reference snapshot: a test's fresh database (cleared with it) may give
    # its new agents the ids of the last one's.
    # (its id: the roster holds the object, so the id is not reused while it lives).
    reference = configcache.snapshot().reference
    stamp = stamps.read(stamps.ROSTER)
    return (connection.alias, connection.settings_dict["NAME"], id(reference), stamp)


def _load(key: tuple) -> Roster:
    skills: dict[int, tuple[int, dict[str, int]]] = {}
    signed: Counter = Counter()
    for pk, centre_id, agent_skills in Agent.objects.exclude(state=AgentState.OFFLINE).values_list(
        "pk", "centre_id", "skills"
    ):
        skills[pk] = (centre_id, agent_skills)
        signed.update((centre_id, skill) for skill in agent_skills)
    return Roster(key, time.monotonic(), skills, signed, configcache.snapshot().reference)


def current() -> Roster:
    """The signed-in agents' centres and skills, as the database had them at most
    ``CHECK_SECONDS`` ago."""
    global _current, _checked_at
    roster, now = _current, time.monotonic()
    if (
        roster is not None
        and now - _checked_at < CHECK_SECONDS
        and roster.reference is configcache.snapshot().reference
    ):
        return roster
    key = _key()
    if roster is None or roster.key != key:
        with _lock:
            roster = _current = _load(key)
    _checked_at = now
    return roster


def clear(**_kwargs) -> None:
    global _current
    _current = None


def _saved(sender, instance: Agent, update_fields=None, **_kwargs) -> None:
    # A move along the state table saves only the state fields: one that signs the agent
    # in or out drops the counts (not to wait for the next check); any other save
    # (skills, centre, a new agent) drops them too.
    if update_fields is None or not set(update_fields) <= set(AGENT_STATE_FIELDS):
        clear()
        return
    roster = _current
    signed_in = instance.state != AgentState.OFFLINE
    if roster is not None and signed_in != (instance.pk in roster.skills):
        clear()


post_save.connect(_saved, sender=Agent, dispatch_uid="contactcenter-roster-save")
post_delete.connect(clear, sender=Agent, dispatch_uid="contactcenter-roster-delete")
