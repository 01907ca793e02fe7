"""Contact centre engine: routing decision latency, and simulation speed.

1. Routing latency: 2,000 agents signed in over 12 centres and 10 IVR queues (skills with
   levels, escalation, overflow, callbacks), callers arriving at 100/s and agents freeing
   up at the same pace: about 200 routing decisions a second, paced on the wall clock
   after a fast-forwarded warm-up to a loaded steady state. Every router call (offer,
   ready, abandon, tick) is one decision, timed alone.
2. Simulation speed: a 30-day month at "We Are Together" volume (1.5 M calls, one queue,
   M/M/n+M) through the real routing core, and the same load through a bare simpy model
   written the textbook way, in the same run.
"""

from __future__ import annotations

import heapq
import math
import random
import time

from bench.baseline import bare_mmc
from vmeste.contactcenter.routing import Assignment, QueueRule, Router
from vmeste.workforce.erlang import agents_for_service_level
from vmeste.workforce.simulation import AgentGroup, Branch, Scenario, simulate

TARGET_P99_MS = 5.0
TARGET_MONTH_SECONDS = 60.0


def _percentile(sorted_values: list[float], share: float) -> float:
    index = min(len(sorted_values) - 1, math.ceil(share * len(sorted_values)) - 1)
    return sorted_values[max(0, index)]


def routing_latency(*, agents: int, seconds: float, seed: int = 1) -> dict:
    rng = random.Random(seed)
    centres = ["NAT"] + [f"R{i:02d}" for i in range(11)]
    skills = [f"branch{i}" for i in range(10)]
    overflow = {c: ("NAT",) for c in centres[1:]} | {"NAT": tuple(centres[1:])}
    queues = [
        QueueRule(
            s, s, escalation=((0, 3), (20, 2), (40, 1)), overflow_after=60, callback_after=120
        )
        for s in skills
    ]
    clock_now = [0.0]
    router = Router(queues=queues, clock=lambda: clock_now[0], overflow=overflow)
    arrival_rate = 100.0  # calls a second: with the agents freeing up, ~200 decisions/s
    aht = agents * 0.93 / arrival_rate  # keeps the agents ~93 % busy
    events: list[tuple[float, int, str, object]] = []
    seq = 0

    def push(at: float, kind: str, subject: object) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, subject))

    for i in range(agents):
        centre = "NAT" if i % 4 == 0 else centres[1 + i % 11]
        own = rng.sample(skills, rng.randint(1, 3))
        router.sign_in(f"a{i}", centre=centre, skills={s: rng.randint(1, 3) for s in own})
    latencies: list[float] = []
    measuring = [False]

    def timed(operation, *args, **kwargs) -> list:
        started = time.perf_counter()
        decisions = operation(*args, **kwargs)
        if measuring[0]:
            latencies.append(time.perf_counter() - started)
        for d in decisions:
            if isinstance(d, Assignment):
                push(clock_now[0] + rng.expovariate(1.0 / aht), "end", d.agent_id)
        return decisions

    for i in range(agents):
        timed(router.ready, f"a{i}")
    push(rng.expovariate(arrival_rate), "arrive", None)
    calls = 0
    warm_up = 3 * aht
    wall_start = None
    max_waiting = 0
    while events:
        at, _seq, kind, subject = heapq.heappop(events)
        if at >= warm_up + seconds:
            break
        clock_now[0] = at
        if at >= warm_up:
            if wall_start is None:  # from here on, keep pace with the wall clock
                wall_start, measuring[0] = time.perf_counter() - (at - warm_up), True
            delay = wall_start + (at - warm_up) - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        if kind == "arrive":
            push(at + rng.expovariate(arrival_rate), "arrive", None)
            calls += 1
            call_id = f"c{calls}"
            timed(
                router.offer,
                call_id,
                queue=rng.choice(skills),
                centre=centres[rng.randrange(12)],
                priority=rng.choice((0, 0, 0, 30)),
            )
            push(at + rng.expovariate(1 / 90.0), "patience", call_id)
        elif kind == "end":
            router.finish(subject)
            timed(router.ready, subject)
        elif kind == "patience":
            timed(router.abandon, subject)
        deadline = router.next_deadline()
        if deadline is not None and deadline <= at:
            timed(router.tick)
        max_waiting = max(max_waiting, router.waiting_count)
    elapsed = time.perf_counter() - (wall_start or time.perf_counter())
    latencies.sort()
    busy = sum(1 for a in router.agents.values() if a.call is not None)
    return {
        "agents_signed_in": agents,
        "decisions": len(latencies),
        "decisions_per_second": round(len(latencies) / elapsed, 1) if elapsed else None,
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 4),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 4),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 4),
        "max_ms": round(latencies[-1] * 1000, 4),
        "target_p99_ms": TARGET_P99_MS,
        "agents_busy_at_end": busy,
        "max_calls_waiting": max_waiting,
    }


def month_simulation(*, calls_per_day: int, days: float) -> dict:
    aht, patience = 240.0, 120.0
    agents = agents_for_service_level(rate=calls_per_day / 86_400, aht=aht, service_level=0.8)
    ours = simulate(
        Scenario(
            calls_per_day=calls_per_day,
            branches=(Branch("main", aht=aht),),
            agents=(AgentGroup(agents),),
            days=days,
            patience=patience,
            seed=11,
        )
    )
    bare = bare_mmc(
        calls_per_day=calls_per_day,
        agents=agents,
        aht=aht,
        patience=patience,
        days=days,
        seed=11,
    )
    return {
        "calls": ours["calls"],
        "days": days,
        "agents": agents,
        "aht_seconds": aht,
        "patience_seconds": patience,
        "service_level": round(ours["service_level"], 4),
        "abandon_rate": round(ours["abandon_rate"], 4),
        "routing_core_wall_seconds": ours["wall_seconds"],
        "bare_simpy_wall_seconds": bare["wall_seconds"],
        "ratio_to_bare_simpy": round(ours["wall_seconds"] / bare["wall_seconds"], 2),
        # The machine is shared: CPU seconds say what the wall clock may exaggerate.
        "routing_core_cpu_seconds": ours["cpu_seconds"],
        "bare_simpy_cpu_seconds": bare["cpu_seconds"],
        "cpu_ratio_to_bare_simpy": round(ours["cpu_seconds"] / bare["cpu_seconds"], 2),
        "same_outcome_as_bare": ours["answered"] == bare["answered"],
        "target_wall_seconds": TARGET_MONTH_SECONDS,
    }


# Calls by hour of the day (Moscow), a hotline's usual shape: quiet nights, a late-morning
# peak; an assumption for the planning figure, not a measurement.
DAY_PROFILE = (1, 1, 1, 1, 1, 2, 3, 6, 9, 11, 12, 12, 11, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)


def planning_day(*, calls_per_day: int, agents_per_centre: int) -> dict:
    """One day of the real shape: 10 IVR branches, 11 regional centres and a national one,
    skills with levels, escalation, overflow, callbacks, a day profile."""
    regional = [f"R{i:02d}" for i in range(11)]
    branches = [f"branch{i}" for i in range(10)]
    queues = tuple(
        QueueRule(b, b, escalation=((0, 2), (15, 1)), overflow_after=45, callback_after=90)
        for b in branches
    )
    shares = (30, 15, 12, 10, 8, 7, 6, 5, 4, 3)
    # Every centre's agents take every branch; each centre is strongest (level 2) in three.
    skills = [
        tuple((b, 2 if (n - k) % 10 < 3 else 1) for n, b in enumerate(branches)) for k in range(12)
    ]
    scenario = Scenario(
        calls_per_day=calls_per_day,
        queues=queues,
        branches=tuple(
            Branch(b, share=shares[i] / 11, aht=240, centre=c)
            for i, b in enumerate(branches)
            for c in regional
        ),
        agents=tuple(
            AgentGroup(agents_per_centre, skills[k], c) for k, c in enumerate(["NAT", *regional])
        ),
        overflow={c: ("NAT",) for c in regional} | {"NAT": tuple(regional)},
        day_profile=DAY_PROFILE,
        patience=120,
        wrap_up=20,
        callback_acceptance=0.5,
        seed=5,
    )
    result = simulate(scenario)
    return {
        key: result[key]
        for key in (
            "calls",
            "answered",
            "abandoned",
            "callbacks",
            "service_level",
            "asa_seconds",
            "occupancy",
            "agents",
            "wall_seconds",
            "cpu_seconds",
        )
    }


def run(quick: bool = False) -> dict:
    if quick:
        return {
            "routing": routing_latency(agents=200, seconds=1.0),
            "month_simulation": month_simulation(calls_per_day=20_000, days=1),
            "planning_day": planning_day(calls_per_day=5_000, agents_per_centre=4),
        }
    return {
        "routing": routing_latency(agents=2_000, seconds=20.0),
        "month_simulation": month_simulation(calls_per_day=50_000, days=30),
        "planning_day": planning_day(calls_per_day=50_000, agents_per_centre=28),
    }
