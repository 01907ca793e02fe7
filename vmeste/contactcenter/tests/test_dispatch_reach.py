"""The dispatch feeds the router only the waiting calls its free agents may take
(``dispatch.reachable``): the router must then decide exactly what it decides when it is
fed every waiting call. Checked on random scenes against the real ``decide`` and router
(overflow between centres and between queues, escalation, priorities, agents without
the skill, calls of no centre), with the configuration as data: no database."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from vmeste.contactcenter import configcache, dispatch, waiting
from vmeste.contactcenter.routing import Assignment, QueueRule
from vmeste.contactcenter.waiting import Waiting

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CENTRES = {pk: SimpleNamespace(code=f"c{pk}") for pk in range(1, 6)}
TOPOLOGY = {"c1": ("c2", "c3"), "c2": ("c1",), "c3": ("c1",), "c4": ("c5",)}
RULES = [
    QueueRule("food", "food", escalation=((0.0, 3), (20.0, 1)), overflow_after=60.0),
    QueueRule("kids", "children", overflow_after=30.0, overflow_to="psy"),
    QueueRule("psy", "psychology", escalation=((0.0, 2), (60.0, 1))),
]
QUEUES = {pk: SimpleNamespace(code=rule.code, max_wait_seconds=None) for pk, rule in
          enumerate(RULES, start=1)}  # fmt: skip
SKILLS = ("food", "children", "psychology")


@pytest.fixture(autouse=True)
def configuration(monkeypatch):
    snapshot = SimpleNamespace(queues=QUEUES, centres=CENTRES, rules=RULES, topology=TOPOLOGY)
    monkeypatch.setattr(configcache, "snapshot", lambda: snapshot)
    monkeypatch.setattr(dispatch, "routing_configuration", lambda: (RULES, TOPOLOGY))


class _Signed:
    def __init__(self, counts: Counter) -> None:
        self.roster = SimpleNamespace(signed=counts, skills={})

    def __call__(self):
        return self.roster


def _scene(rng: random.Random):
    agents = [
        SimpleNamespace(
            pk=n,
            centre_id=rng.choice(list(CENTRES)),
            skills={s: rng.randint(1, 3) for s in rng.sample(SKILLS, rng.randint(0, 3))},
        )
        for n in range(1, rng.randint(1, 6) + 1)
    ]
    calls = sorted(
        (
            Waiting(
                pk=100 + n,
                call_id=f"call{n}",
                queue_id=rng.choice(list(QUEUES)),
                centre_id=rng.choice([*CENTRES, None]),
                priority=rng.choice([0.0, 0.0, 30.0]),
                offered_at=NOW - timedelta(seconds=rng.choice([0, 5, 25, 40, 70, 200])),
                callback_requested=rng.random() < 0.1,
                callback_offered_at=None,
                requeued_at=None,
                wanted_agent="",
                answered_at=None,
                callback_failed_at=None,
                revision=1,
            )
            for n in range(rng.randint(0, 25))
        ),
        key=lambda c: (c.offered_at, c.pk),
    )
    # Signed in elsewhere: some home centres have nobody of a skill (overflow at once).
    others = Counter({(pk, s): rng.randint(0, 1) for pk in CENTRES for s in SKILLS})
    for agent in agents:
        others.update((agent.centre_id, skill) for skill in agent.skills)
    return agents, calls, _Signed(others)


def _assignments(calls, agents, signed) -> list[Assignment]:
    decided = dispatch.decide(calls, agents, NOW.timestamp(), signed)
    return [d for d in decided if isinstance(d, Assignment)]


def test_the_router_fed_only_the_reachable_calls_decides_the_same():
    rng = random.Random(11)
    seen = Counter()
    for _case in range(1500):
        agents, calls, signed = _scene(rng)
        free = [(a.centre_id, a.skills, f"agent{a.pk}") for a in agents]
        in_reach = set(dispatch.reachable(free, NOW, signed, waiting._groups(calls)))
        routed = [c for c in calls if (c.queue_id, c.centre_id) in in_reach]
        everything = _assignments(calls, agents, signed)
        assert _assignments(routed, agents, signed) == everything, (agents, calls)
        seen["left out"] += len(calls) - len(routed)
        seen["given"] += len(everything)
    # the scenes did leave calls out, and did give calls: the check compared something
    assert seen["left out"] > 3000 and seen["given"] > 1000
