"""A plausible life of one request, from registration to now. Pure: no database, no Django.

Older requests are mostly closed, a few are left open past their deadline (overdue); recent
ones are still new, triaged or in progress. Every move is one the status table allows
(vmeste/assistance/transitions.py), so a demo timeline reads like a real one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from vmeste.demo import mix

NEW, TRIAGED, IN_PROGRESS, WAITING = "new", "triaged", "in_progress", "waiting"
RESOLVED, REJECTED, CANCELLED = "resolved", "rejected", "cancelled"
CLOSED = {RESOLVED, REJECTED, CANCELLED}


@dataclass
class Step:
    at: datetime
    kind: str  # transition | assigned | comment
    actor: str  # creator | assignee | supervisor
    from_status: str = ""
    to_status: str = ""
    text: str = ""
    data: dict = field(default_factory=dict)


@dataclass
class Life:
    status: str
    steps: list[Step]
    assigned: bool = False
    resolved_at: datetime | None = None
    helped: bool | None = None
    how: str = ""
    note: str = ""


def _final_status(rng: random.Random, *, age: timedelta, deadline: timedelta) -> str:
    ratio = age / deadline if deadline else 1.0
    closed = rng.random() < (0.9 if ratio > 1 else 0.65 * ratio)
    if closed:
        return rng.choices([RESOLVED, REJECTED, CANCELLED], [0.85, 0.06, 0.09])[0]
    if age < timedelta(hours=1):
        return NEW
    return rng.choices([NEW, TRIAGED, IN_PROGRESS, WAITING], [1, 2, 4, 1.5])[0]


def _path(rng: random.Random, final: str) -> list[str]:
    triage = [TRIAGED] if rng.random() < 0.5 else []
    if final == NEW:
        return []
    if final == TRIAGED:
        return [TRIAGED]
    if final == IN_PROGRESS:
        return [*triage, IN_PROGRESS]
    if final == WAITING:
        return [*triage, IN_PROGRESS, WAITING]
    if final == RESOLVED:
        pause = [WAITING, IN_PROGRESS] if rng.random() < 0.2 else []
        return [*triage, IN_PROGRESS, *pause, RESOLVED]
    if final == REJECTED:
        return [*triage, REJECTED]
    return rng.choice([[CANCELLED], [TRIAGED, CANCELLED], [*triage, IN_PROGRESS, CANCELLED]])


def live(
    rng: random.Random, *, created: datetime, due: datetime, now: datetime, top_category: str
) -> Life:
    """The steps of one request registered at `created`, due at `due`, seen at `now`."""
    age, deadline = now - created, due - created
    final = _final_status(rng, age=age, deadline=deadline)
    path = _path(rng, final)
    if final in CLOSED:
        share = rng.uniform(0.05, 0.95) if rng.random() < 0.88 else rng.uniform(1.0, 1.6)
        end = min(created + deadline * share, now - timedelta(minutes=1))
    else:
        end = now - (now - created) * rng.uniform(0.0, 0.5)
    end = min(max(end, created + timedelta(minutes=len(path) + 1)), now)
    span = max((end - created).total_seconds(), 1.0)
    earliest = min(60.0, span / 2)  # a minute after registration, when there is one
    moments = sorted(created + timedelta(seconds=rng.uniform(earliest, span)) for _ in path[:-1])
    if path:
        moments.append(end)
    life = Life(status=final, steps=[])
    previous = NEW
    for to, at in zip(path, moments, strict=True):
        if not life.assigned and to in (TRIAGED, IN_PROGRESS, WAITING, RESOLVED):
            life.assigned = True
            life.steps.append(
                Step(at=at - timedelta(seconds=30), kind="assigned", actor="supervisor")
            )
        step = Step(at=at, kind="transition", actor="assignee", from_status=previous, to_status=to)
        if to == WAITING:
            step.text = rng.choice(mix.WAITING_REASONS)
        elif to == REJECTED:
            step.text, step.actor = rng.choice(mix.REJECT_REASONS), "supervisor"
        elif to == CANCELLED:
            step.text = rng.choice(mix.CANCEL_REASONS)
        elif to == TRIAGED:
            step.actor = "supervisor"
        elif to == RESOLVED:
            _resolve(rng, life, top_category)
            life.resolved_at = at
            step.data = {"outcome": {"helped": life.helped, "how": life.how, "note": life.note}}
            step.text = life.note
        if to in (REJECTED, CANCELLED):
            life.resolved_at = at
        life.steps.append(step)
        previous = to
    if path and rng.random() < 0.35:
        at = created + timedelta(seconds=rng.uniform(earliest, span))
        life.steps.append(
            Step(at=at, kind="comment", actor="assignee", text=rng.choice(mix.COMMENTS))
        )
    life.steps.sort(key=lambda s: s.at)
    return life


def _resolve(rng: random.Random, life: Life, top_category: str) -> None:
    life.helped = rng.random() < 0.88
    if life.helped:
        ways = mix.OUTCOME_HOW.get(top_category, mix.DEFAULT_HOW)
        life.how = rng.choices([w for w, _ in ways], [p for _, p in ways])[0]
        life.note = rng.choice(mix.HELPED_NOTES)
    else:
        life.how = rng.choice(["consultation", "other"])
        life.note = rng.choice(mix.NOT_HELPED_NOTES)


def paths_from(start: str, along: list[str], turns: dict[str, str]) -> dict[str, list[str]]:
    """The moves from `start` to every state of a walk: the states of `along` in order up to
    it, or, for a side exit (failed, cancelled, left, rejected), the path to the state
    `turns` names and then the exit."""
    paths = {start: []}
    for step, state in enumerate(along):
        paths[state] = along[: step + 1]
    for exit_state, after in turns.items():
        paths[exit_state] = [*paths[after], exit_state]
    return paths
