"""The harness (real routing core on a simpy clock) against Erlang C and Erlang A, with
replications and confidence bounds; and its planning features on a mixed scenario."""

from __future__ import annotations

import math
import statistics

from bench.baseline import bare_mmc
from vmeste.contactcenter.routing import QueueRule
from vmeste.workforce.erlang import erlang_a_figures, erlang_c_figures
from vmeste.workforce.simulation import DAY, AgentGroup, Branch, Scenario, simulate

AHT, AGENTS, TRAFFIC = 60.0, 10, 8.0
CALLS_PER_DAY = TRAFFIC / AHT * DAY  # 11,520
REPLICATIONS = 5


def replicate(patience: float) -> dict[str, list[float]]:
    runs: dict[str, list[float]] = {"service_level": [], "asa_seconds": [], "abandon_rate": []}
    for seed in range(REPLICATIONS):
        result = simulate(
            Scenario(
                calls_per_day=CALLS_PER_DAY,
                branches=(Branch("main", aht=AHT),),
                agents=(AgentGroup(AGENTS),),
                patience=patience,
                seed=100 + seed,
            )
        )
        assert result["answered"] + result["abandoned"] == result["calls"]
        for name, values in runs.items():
            values.append(result[name])
    return runs


def assert_within(values: list[float], expected: float, slack: float) -> None:
    """Mean of the replications within 4 standard errors (plus a little for the start
    from an empty centre) of the analytic value."""
    mean = statistics.fmean(values)
    error = statistics.stdev(values) / math.sqrt(len(values))
    assert abs(mean - expected) <= 4 * error + slack, (mean, expected, error)


def test_stationary_day_matches_erlang_c():
    runs = replicate(math.inf)
    c = erlang_c_figures(rate=TRAFFIC / AHT, aht=AHT, agents=AGENTS)
    assert_within(runs["service_level"], c.service_level, 0.005)
    assert_within(runs["asa_seconds"], c.asa_seconds, 0.3)
    assert runs["abandon_rate"] == [0.0] * REPLICATIONS


def test_stationary_day_matches_erlang_a():
    patience = 45.0
    runs = replicate(patience)
    a = erlang_a_figures(rate=TRAFFIC / AHT, aht=AHT, agents=AGENTS, patience=patience)
    assert_within(runs["service_level"], a.service_level, 0.005)
    assert_within(runs["asa_seconds"], a.asa_seconds, 0.3)
    assert_within(runs["abandon_rate"], a.p_abandon, 0.003)


def test_one_fifo_queue_behaves_exactly_like_the_textbook_simpy_model():
    # Same seed, same order of random draws: a FIFO queue of identical agents must give
    # the very same outcome as simpy's own Resource.
    ours = simulate(
        Scenario(
            calls_per_day=4000,
            branches=(Branch("main", aht=200),),
            agents=(AgentGroup(9),),
            patience=90,
            days=0.5,
            seed=7,
        )
    )
    bare = bare_mmc(calls_per_day=4000, agents=9, aht=200, patience=90, days=0.5, seed=7)
    for name in ("calls", "answered", "abandoned", "service_level", "asa_seconds"):
        assert ours[name] == bare[name], name


def test_planning_scenario_with_branches_profile_escalation_overflow_and_callbacks():
    profile = (0,) * 8 + (1,) * 4 + (3,) * 4 + (1,) * 8  # quiet nights, an afternoon peak
    scenario = Scenario(
        calls_per_day=6000,
        queues=(
            QueueRule(
                "food",
                "general",
                escalation=((0, 2), (15, 1)),
                overflow_after=40,
                callback_after=60,
            ),
            QueueRule("psy", "psychology", overflow_after=30),
        ),
        branches=(
            Branch("food", share=3, aht=240, centre="VGG"),
            Branch("psy", share=1, aht=600, centre="VGG", priority=30),
        ),
        agents=(
            AgentGroup(6, (("general", 2),), "VGG"),
            AgentGroup(3, (("general", 1), ("psychology", 1)), "VGG"),
            AgentGroup(6, (("general", 1), ("psychology", 2)), "NAT"),
        ),
        overflow={"VGG": ("NAT",)},
        day_profile=profile,
        patience=120,
        wrap_up=15,
        callback_acceptance=0.5,
        seed=3,
    )
    result = simulate(scenario)
    assert result["answered"] + result["abandoned"] == result["calls"]
    assert result["callbacks"] > 0
    assert sum(q["calls"] for q in result["by_queue"].values()) == result["calls"]
    assert 0.6 < result["by_queue"]["food"]["calls"] / result["calls"] < 0.9
    assert sum(result["arrivals_by_hour"][:8]) == 0
    busy, quiet = sum(result["arrivals_by_hour"][12:16]), sum(result["arrivals_by_hour"][8:12])
    assert 2.4 < busy / quiet < 3.6
    assert 0 < result["occupancy"] < 1
