"""``reachable`` asks of each waiting group whether any free agent may take its oldest call
from the best level of each skill in each centre (``_Eligibility.possible``), not agent by
agent. It must answer exactly what asking each agent answers: never skip a group some free
agent may take (the router would not be fed a call it could give), and never let one in
that none may take (a dispatch for nothing). The agent-by-agent rule below is the router's
(``routing.Router``: the level by the wait, overflow between centres once due or when
nobody with the skill is signed in at home, overflow between queues once due)."""

from __future__ import annotations

import random
from collections import Counter
from types import SimpleNamespace

from vmeste.contactcenter.dispatch import _best_levels, _Eligibility
from vmeste.contactcenter.routing import QueueRule

CENTRES = {pk: SimpleNamespace(code=f"c{pk}") for pk in range(1, 6)}
TOPOLOGY = {"c1": ("c2", "c3"), "c2": ("c1",), "c4": ("c5",)}
RULES = [
    QueueRule("food", "food", escalation=((0.0, 3), (20.0, 1)), overflow_after=60.0),
    QueueRule("kids", "children", overflow_after=30.0, overflow_to="psy"),
    QueueRule("psy", "psychology", escalation=((0.0, 2), (60.0, 1))),
]


def _check(rng: random.Random, moment: float) -> _Eligibility:
    check = _Eligibility.__new__(_Eligibility)
    check.snapshot = SimpleNamespace(centres=CENTRES, topology=TOPOLOGY)
    check.rules = {rule.code: rule for rule in RULES}
    signed = Counter({(pk, "food"): rng.randint(0, 1) for pk in CENTRES})
    check.signed, check.moment = (lambda: SimpleNamespace(signed=signed)), moment
    check._overflow = {}
    return check


def _agent_may_take(check: _Eligibility, queue: str, home, arrived: float, centre, skills):
    """One free agent (their centre and skills) and the oldest call of a group."""
    rule, now = check.rules[queue], check.moment
    may_overflow = centre in check.overflow_centres(home)
    if skills.get(rule.skill, 0) >= rule.min_level(arrived, now):
        if centre == home:
            return True
        return may_overflow and (
            rule.overflow_due(arrived, now) or not check.signed().signed.get((home, rule.skill))
        )
    target = check.rules.get(rule.overflow_to or "")
    return (
        target is not None
        and rule.overflow_due(arrived, now)
        and skills.get(target.skill, 0) >= target.min_level(arrived, now)
        and (centre == home or may_overflow)
    )


def test_the_best_levels_answer_exactly_what_each_free_agent_would():
    rng = random.Random(5)
    skills = ("food", "children", "psychology")
    seen = Counter()
    for _case in range(3000):
        free = [
            (rng.choice([*CENTRES, None]),
             {s: rng.randint(1, 3) for s in rng.sample(skills, rng.randint(0, 3))},
             f"a{n}")
            for n in range(rng.randint(0, 4))
        ]  # fmt: skip
        check, best = _check(rng, 1000.0), _best_levels(free)
        queue, home = rng.choice([*check.rules]), rng.choice([*CENTRES, 99])
        arrived = 1000.0 - rng.choice([0, 10, 25, 45, 70, 200])
        eligible = any(_agent_may_take(check, queue, home, arrived, c, s) for c, s, _n in free)
        possible = check.possible(queue, home, arrived, best)
        assert possible == eligible, (queue, home, arrived, free)
        seen[eligible] += 1
    # both answers occurred often: the scenes are not all one way
    assert seen[False] > 300 and seen[True] > 300


def test_a_queue_without_a_rule_here_is_let_through():
    check = _check(random.Random(1), 1000.0)
    assert check.possible("unknown", 1, 990.0, {}) is True
