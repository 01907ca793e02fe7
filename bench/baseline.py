"""A bare simpy M/M/c(+M) queue written the textbook way (a process per caller, a Resource
for the agents), with no routing core: the yardstick the harness's speed is compared to."""

from __future__ import annotations

import math
import random
import time

import simpy

DAY = 86_400.0


def bare_mmc(
    *,
    calls_per_day: float,
    agents: int,
    aht: float,
    patience: float = math.inf,
    days: float = 1.0,
    seed: int = 1,
    target_seconds: float = 20.0,
) -> dict:
    started, started_cpu = time.perf_counter(), time.process_time()
    env = simpy.Environment()
    rng = random.Random(seed)
    staff = simpy.Resource(env, capacity=agents)
    horizon = days * DAY
    tally = {"calls": 0, "answered": 0, "abandoned": 0, "within": 0, "wait": 0.0}

    def caller():
        arrived = env.now
        with staff.request() as request:
            if math.isinf(patience):
                yield request
            else:
                outcome = yield request | env.timeout(rng.expovariate(1.0 / patience))
                if request not in outcome:
                    tally["abandoned"] += 1
                    return
            wait = env.now - arrived
            tally["answered"] += 1
            tally["wait"] += wait
            tally["within"] += wait <= target_seconds
            yield env.timeout(rng.expovariate(1.0 / aht))

    def arrivals():
        rate = calls_per_day / DAY
        while True:
            yield env.timeout(rng.expovariate(rate))
            if env.now >= horizon:
                return
            tally["calls"] += 1
            env.process(caller())

    env.process(arrivals())
    env.run()
    calls = tally["calls"]
    return {
        "calls": calls,
        "answered": tally["answered"],
        "abandoned": tally["abandoned"],
        "service_level": tally["within"] / calls if calls else 1.0,
        "asa_seconds": tally["wait"] / tally["answered"] if tally["answered"] else 0.0,
        "wall_seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - started_cpu, 3),
    }
