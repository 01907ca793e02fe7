"""Workforce services: the planning figures the UI, the API and the CLI share."""

from __future__ import annotations

import math

from vmeste.workforce.erlang import QueueFigures, erlang_a_figures
from vmeste.workforce.simulation import DAY, AgentGroup, Branch, Scenario, simulate

SERVICE_LEVEL_DEFINITION = (
    "answered within the target / calls offered (abandoned calls stay in the denominator)"
)


def _figures(f: QueueFigures) -> dict:
    return {
        "service_level": f.service_level,
        "asa_seconds": f.asa_seconds,
        "abandon_rate": f.p_abandon,
        "p_wait": f.p_wait,
        "occupancy": f.occupancy,
    }


def simulate_stationary(
    *,
    calls: int,
    agents: int,
    aht: float,
    patience: float,
    seed: int = 1,
    days: float = 1.0,
    target_seconds: float = 20.0,
) -> dict:
    """One queue, identical agents, Poisson arrivals at ``calls`` a day, exponential
    handling and patience, through the real routing core; with the Erlang A prediction."""
    scenario = Scenario(
        calls_per_day=calls,
        branches=(Branch("main", aht=aht),),
        agents=(AgentGroup(agents),),
        days=days,
        patience=patience,
        target_seconds=target_seconds,
        seed=seed,
    )
    result = simulate(scenario)
    result.pop("by_queue")
    rate = calls / DAY
    prediction: dict | None
    try:
        prediction = _figures(
            erlang_a_figures(
                rate=rate, aht=aht, patience=patience, agents=agents, target_seconds=target_seconds
            )
        )
    except (ValueError, OverflowError, ZeroDivisionError):
        prediction = None  # Erlang C with traffic at or above the agents: no steady state
    return {
        **result,
        "offered_load_erlangs": rate * aht,
        "patience_seconds": None if math.isinf(patience) else patience,
        "service_level_definition": SERVICE_LEVEL_DEFINITION,
        "erlang_a": prediction,
    }
