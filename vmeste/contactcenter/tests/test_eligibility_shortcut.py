"""``worth_dispatching`` skips a waiting group when no free agent of the centres it may
reach has the level it needs (``_Eligibility.possible``): a shortcut that must never
skip a group some free agent is eligible for (``_Eligibility.__call__``)."""

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


def test_the_shortcut_never_skips_a_group_a_free_agent_may_take():
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
        queue, home = rng.choice([*check.rules, "unknown"]), rng.choice([*CENTRES, 99])
        arrived = 1000.0 - rng.choice([0, 10, 25, 45, 70, 200])
        eligible = any(check(queue, home, arrived, c, s) for c, s, _name in free)
        possible = check.possible(queue, home, arrived, best)
        assert possible or not eligible, (queue, home, arrived, free)
        seen[eligible, possible] += 1
    # the shortcut did skip groups (it is not always true), and both answers occurred
    assert seen[False, False] > 300 and seen[True, True] > 300
