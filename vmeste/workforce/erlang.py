"""Erlang B, C and A: what a queue of identical agents does under stationary Poisson load.

Pure functions, no I/O. Rates are per second, times in seconds.

- Erlang C (M/M/n): callers never hang up. Exact closed forms.
- Erlang A (M/M/n+M, Palm's model): each waiting caller hangs up after an exponential
  patience. The stationary distribution is a birth-death chain, summed until the tail is
  negligible; the answered caller's wait and the service level follow from the phases a
  tagged caller goes through (see ``_answered_within``).

Service level here is always "answered within t" divided by calls *offered*: abandoned
calls stay in the denominator (the usual contact-centre definition; it makes abandonment
count against the centre).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QueueFigures:
    p_wait: float  # share of callers who find every agent busy
    p_abandon: float  # share of callers who hang up before an answer
    service_level: float  # answered within target_seconds / offered
    asa_seconds: float  # mean wait of answered callers (average speed of answer)
    mean_wait_seconds: float  # mean time in queue of all callers, answered or not
    occupancy: float  # share of agent time spent on calls
    target_seconds: float


def erlang_b(traffic: float, agents: int) -> float:
    """Blocking probability of a loss system, by the stable recursion."""
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a caller waits (M/M/n, infinite patience); needs traffic < agents."""
    if traffic >= agents:
        return 1.0
    b = erlang_b(traffic, agents)
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c_figures(
    *, rate: float, aht: float, agents: int, target_seconds: float = 20.0
) -> QueueFigures:
    traffic = rate * aht
    if traffic >= agents:
        raise ValueError("Erlang C needs traffic below the number of agents")
    c = erlang_c(traffic, agents)
    drain = (agents - traffic) / aht  # rate at which the queue empties ahead of a caller
    asa = c / drain
    return QueueFigures(
        p_wait=c,
        p_abandon=0.0,
        service_level=1.0 - c * math.exp(-drain * target_seconds),
        asa_seconds=asa,
        mean_wait_seconds=asa,
        occupancy=traffic / agents,
        target_seconds=target_seconds,
    )


def agents_for_service_level(
    *, rate: float, aht: float, service_level: float, target_seconds: float = 20.0
) -> int:
    """The fewest agents meeting a service level under Erlang C (planning's first cut)."""
    agents = max(1, math.floor(rate * aht) + 1)
    while (
        erlang_c_figures(
            rate=rate, aht=aht, agents=agents, target_seconds=target_seconds
        ).service_level
        < service_level
    ):
        agents += 1
    return agents


def erlang_a_figures(
    *, rate: float, aht: float, patience: float, agents: int, target_seconds: float = 20.0
) -> QueueFigures:
    """M/M/n+M. ``patience`` is the mean patience; ``math.inf`` gives Erlang C."""
    if math.isinf(patience):
        return erlang_c_figures(rate=rate, aht=aht, agents=agents, target_seconds=target_seconds)
    n, lam, mu, theta = agents, rate, 1.0 / aht, 1.0 / patience
    # log-weights of states 0..n (all agents busy at n), then n+1.. (callers waiting).
    traffic = lam / mu
    logs = [k * math.log(traffic) - math.lgamma(k + 1) for k in range(n + 1)]
    top = logs[-1]
    head = [math.exp(x - top) for x in logs]  # relative to state n
    tail = [1.0]  # tail[j]: weight of n+j relative to state n
    total_tail, j = 1.0, 0
    while True:
        j += 1
        nxt = tail[-1] * lam / (n * mu + j * theta)
        tail.append(nxt)
        total_tail += nxt
        if nxt < 1e-15 * total_tail and lam < n * mu + j * theta:
            break
    norm = sum(head[:-1]) + total_tail
    p_free = sum(head[:-1]) / norm
    waiting = [t / norm for t in tail]  # waiting[j]: probability of n busy and j waiting
    mean_queue = sum(j * p for j, p in enumerate(waiting))
    p_abandon = theta * mean_queue / lam
    # A caller arriving to j waiting is answered after the j ahead and one agent clear:
    # j+1 phases with rates n*mu + m*theta (m = callers still ahead), racing their own
    # patience; P(answered | j) = prod r/(r+theta), and their wait tilts each phase.
    answered_given: list[float] = []
    wait_given: list[float] = []
    product, inverse_sum = 1.0, 0.0
    for m in range(len(waiting)):
        rate_m = n * mu + m * theta
        product *= rate_m / (rate_m + theta)
        inverse_sum += 1.0 / (rate_m + theta)
        answered_given.append(product)
        wait_given.append(product * inverse_sum)
    p_answered = 1.0 - p_abandon
    asa = sum(p * w for p, w in zip(waiting, wait_given, strict=True)) / p_answered
    within = _answered_within(waiting, answered_given, n * mu, theta, target_seconds)
    return QueueFigures(
        p_wait=1.0 - p_free,
        p_abandon=p_abandon,
        service_level=p_free + within,
        asa_seconds=asa,
        mean_wait_seconds=mean_queue / lam,
        occupancy=lam * p_answered / mu / n,
        target_seconds=target_seconds,
    )


def _answered_within(
    waiting: list[float], answered_given: list[float], drain: float, theta: float, t: float
) -> float:
    """P(the caller waited, was answered, and within t).

    Given answered, a caller who found j waiting waits a sum of exponentials with rates
    drain + theta, drain + 2 theta, ..., drain + (j+1) theta. We run that pure-death chain
    for all j at once by uniformization: the mass absorbed by time t.
    """
    phases = len(waiting)  # stages 1..phases; a caller with j ahead starts at stage j+1
    mass = [0.0] + [waiting[s - 1] * answered_given[s - 1] for s in range(1, phases + 1)]
    rates = [0.0] + [drain + s * theta for s in range(1, phases + 1)]
    big = rates[-1]
    expected = big * t
    steps = int(expected + 12 * math.sqrt(expected) + 30)
    absorbed_total = 0.0
    for k in range(steps + 1):
        if expected > 0:
            poisson = math.exp(k * math.log(expected) - expected - math.lgamma(k + 1))
        else:
            poisson = 1.0 if k == 0 else 0.0
        absorbed_total += poisson * mass[0]
        # one uniformized step: stage s moves to s-1 with probability rates[s]/big
        moved = [mass[s] * rates[s] / big for s in range(phases + 1)]
        mass = [
            mass[s] - moved[s] + (moved[s + 1] if s + 1 <= phases else 0.0)
            for s in range(phases + 1)
        ]
    return absorbed_total
