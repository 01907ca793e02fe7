"""The simulation harness: the real routing core driven by a simpy clock.

Generated callers arrive (Poisson, optionally shaped by a day profile, split over IVR
branches), wait in the routing core's queues, are answered by agents or hang up when their
patience runs out; the harness reports service level, average speed of answer,
abandonment and occupancy. Peak-load planning stands on it, so it uses
``vmeste.contactcenter.routing.Router`` itself, never a model of it.

Everything is driven by simpy timeouts with plain callbacks (no generator process per
call): that keeps a month of calls within a minute.

Service level = calls answered within ``target_seconds`` / calls offered (abandoned calls
stay in the denominator), the same definition as ``vmeste.workforce.erlang``.
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

import simpy
from simpy.core import NORMAL
from simpy.events import Event

from vmeste.contactcenter.routing import Assignment, QueueRule, Router

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Branch:
    """One IVR branch: the share of calls it takes, its queue and handling time."""

    queue: str
    share: float = 1.0
    aht: float = 300.0
    centre: str = "main"
    priority: float = 0.0


@dataclass(frozen=True, slots=True)
class AgentGroup:
    count: int
    skills: tuple[tuple[str, int], ...] = (("general", 1),)
    centre: str = "main"


@dataclass(frozen=True, slots=True)
class Scenario:
    calls_per_day: float
    queues: tuple[QueueRule, ...] = (QueueRule("main", "general"),)
    branches: tuple[Branch, ...] = (Branch("main"),)
    agents: tuple[AgentGroup, ...] = (AgentGroup(10),)
    days: float = 1.0
    patience: float = math.inf  # mean seconds; inf: nobody hangs up
    wrap_up: float = 0.0
    target_seconds: float = 20.0
    # 24 hourly weights (any scale), hour 0 = midnight; None: stationary arrivals.
    day_profile: tuple[float, ...] | None = None
    callback_acceptance: float = 0.0  # share of callers taking an offered callback
    overflow: dict[str, tuple[str, ...]] = field(default_factory=dict)
    seed: int = 1


@dataclass(slots=True)
class Tally:
    calls: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within: int = 0
    wait_answered: float = 0.0
    callbacks: int = 0

    def figures(self, target: float) -> dict:
        return {
            "calls": self.calls,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "callbacks": self.callbacks,
            "service_level": self.answered_within / self.calls if self.calls else 1.0,
            "asa_seconds": self.wait_answered / self.answered if self.answered else 0.0,
            "abandon_rate": self.abandoned / self.calls if self.calls else 0.0,
            "target_seconds": target,
        }


class Simulation:
    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self.env = simpy.Environment()
        self.rng = random.Random(scenario.seed)
        env = self.env
        self.router = Router(
            queues=scenario.queues, clock=lambda: env.now, overflow=scenario.overflow
        )
        self.horizon = scenario.days * DAY
        self.by_queue: dict[str, Tally] = {b.queue: Tally() for b in scenario.branches}
        self.busy_seconds = 0.0
        self.arrivals_by_hour = [0] * 24
        self._cumulative = list(accumulate(b.share for b in scenario.branches))
        # Callers not yet answered: (arrived, branch, on the line or waiting for a callback).
        self._calls: dict[int, tuple[float, Branch, bool]] = {}
        self._next_id = 0
        self._wake_at: float | None = None
        self._timed = any(
            len(q.escalation) > 1 or q.overflow_after is not None or q.callback_after is not None
            for q in scenario.queues
        )
        peak = 1.0
        if scenario.day_profile:
            if len(scenario.day_profile) != 24:
                raise ValueError("a day profile has 24 hourly weights")
            mean = sum(scenario.day_profile) / len(scenario.day_profile)
            self._profile = [w / mean for w in scenario.day_profile]
            peak = max(self._profile)
        self._base_rate = scenario.calls_per_day / DAY
        self._peak_rate = self._base_rate * peak

    # ---- running ------------------------------------------------------------------

    def run(self) -> dict:
        started, started_cpu = time.perf_counter(), time.process_time()
        agents = 0
        for group in self.s.agents:
            for _ in range(group.count):
                self.router.sign_in(agents, centre=group.centre, skills=dict(group.skills))
                self._handle(self.router.ready(agents))
                agents += 1
        self._after(self.rng.expovariate(self._peak_rate), self._arrive)
        self.env.run()
        total = Tally()
        for tally in self.by_queue.values():
            for name in Tally.__slots__:
                setattr(total, name, getattr(total, name) + getattr(tally, name))
        figures = total.figures(self.s.target_seconds)
        # Callers who took a callback no agent could ever make (no one with the skill).
        figures["unresolved"] = total.calls - total.answered - total.abandoned
        figures["occupancy"] = self.busy_seconds / (agents * self.horizon) if agents else 0.0
        figures["agents"] = agents
        figures["by_queue"] = {
            q: t.figures(self.s.target_seconds) for q, t in self.by_queue.items()
        }
        figures["arrivals_by_hour"] = self.arrivals_by_hour
        figures["wall_seconds"] = round(time.perf_counter() - started, 3)
        figures["cpu_seconds"] = round(time.process_time() - started_cpu, 3)
        return figures

    def _after(self, delay: float, callback, value=None) -> None:
        # A bare triggered event carrying its subject as value, with one callback: what
        # env.timeout() builds minus its checks; this is the hot path of a month-long run.
        event = Event(self.env)
        event._ok, event._value = True, value
        event.callbacks = [callback]
        self.env.schedule(event, NORMAL, delay)

    def _arrive(self, _event: Event) -> None:
        now = self.env.now
        if now >= self.horizon:
            return  # the day is over: no new callers; those inside are served out
        self._after(self.rng.expovariate(self._peak_rate), self._arrive)
        hour = int(now // 3600) % 24
        # Thinning: with a day profile, keep an arrival with probability rate(t)/peak.
        thinned = self.s.day_profile and (
            self.rng.random() * self._peak_rate > self._base_rate * self._profile[hour]
        )
        if thinned:
            return
        self.arrivals_by_hour[hour] += 1
        rng = self.rng
        branches = self.s.branches
        branch = (
            branches[0]
            if len(branches) == 1
            else branches[bisect(self._cumulative, rng.random() * self._cumulative[-1])]
        )
        call_id = self._next_id
        self._next_id += 1
        self.by_queue[branch.queue].calls += 1
        self._calls[call_id] = (now, branch, True)
        decisions = self.router.offer(
            call_id, queue=branch.queue, centre=branch.centre, priority=branch.priority
        )
        if call_id in self._calls and not math.isinf(self.s.patience):
            self._after(rng.expovariate(1.0 / self.s.patience), self._give_up, call_id)
        self._handle(decisions)

    def _give_up(self, event: Event) -> None:
        call_id = event._value
        entry = self._calls.get(call_id)
        if entry is None or not entry[2]:
            return  # answered, or waiting for a callback (no longer on the line)
        del self._calls[call_id]
        self.by_queue[entry[1].queue].abandoned += 1
        self._handle(self.router.abandon(call_id))

    def _handle(self, decisions: list) -> None:
        for decision in decisions:
            if isinstance(decision, Assignment):
                self._answer(decision)
            elif self.rng.random() < self.s.callback_acceptance:  # a callback offer
                call_id = decision.call_id
                arrived, branch, _on_line = self._calls[call_id]
                self.router.request_callback(call_id)
                self._calls[call_id] = (arrived, branch, False)  # patience no longer runs
        if self._timed:
            deadline = self.router.next_deadline()
            if deadline is not None and (self._wake_at is None or deadline < self._wake_at):
                self._wake_at = deadline
                self._after(max(0.0, deadline - self.env.now), self._wake, deadline)

    def _wake(self, event: Event) -> None:
        deadline = event._value
        if self._wake_at == deadline:
            self._wake_at = None
        self._handle(self.router.tick())

    def _answer(self, assignment: Assignment) -> None:
        now = self.env.now
        arrived, branch, _on_line = self._calls.pop(assignment.call_id)
        wait = now - arrived
        tally = self.by_queue[branch.queue]
        tally.answered += 1
        tally.wait_answered += wait
        if assignment.callback:
            tally.callbacks += 1
        elif wait <= self.s.target_seconds:
            tally.answered_within += 1
        handling = self.rng.expovariate(1.0 / branch.aht)
        busy = handling + self.s.wrap_up
        self.busy_seconds += max(0.0, min(busy, self.horizon - now))
        self._after(handling, self._hang_up, assignment.agent_id)

    def _hang_up(self, event: Event) -> None:
        agent_id = event._value
        self._handle(self.router.finish(agent_id))
        if self.s.wrap_up > 0:
            self._after(self.s.wrap_up, self._ready, agent_id)
        else:
            self._handle(self.router.ready(agent_id))

    def _ready(self, event: Event) -> None:
        self._handle(self.router.ready(event._value))


def simulate(scenario: Scenario) -> dict:
    return Simulation(scenario).run()
