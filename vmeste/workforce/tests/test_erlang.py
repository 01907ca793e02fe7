"""Erlang C against textbook values and the formula written out; Erlang A against its
limits and its own identities."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from vmeste.workforce.erlang import (
    agents_for_service_level,
    erlang_a_figures,
    erlang_b,
    erlang_c,
    erlang_c_figures,
)


def erlang_c_by_the_book(traffic: int, agents: int) -> Fraction:
    """P(wait) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), exactly."""
    a = Fraction(traffic)
    top = a**agents / math.factorial(agents) * Fraction(agents, agents - traffic)
    return top / (sum(a**k / math.factorial(k) for k in range(agents)) + top)


def test_small_cases_known_in_closed_form():
    assert erlang_c(2, 3) == pytest.approx(4 / 9)  # M/M/3, A = 2
    assert erlang_c(0.5, 1) == pytest.approx(0.5)  # M/M/1: P(wait) = ρ
    assert erlang_c(1, 2) == pytest.approx(1 / 3)  # M/M/2: 2ρ²/(1+ρ), ρ = 1/2
    assert erlang_b(1, 1) == pytest.approx(0.5)
    assert erlang_b(2, 2) == pytest.approx(0.4)


@pytest.mark.parametrize(("traffic", "agents"), [(2, 3), (10, 11), (10, 14), (48, 55), (90, 100)])
def test_erlang_c_matches_the_formula_written_out(traffic, agents):
    assert erlang_c(traffic, agents) == pytest.approx(float(erlang_c_by_the_book(traffic, agents)))


def test_classic_textbook_example():
    # 100 calls in 30 minutes, AHT 180 s: 10 erlangs; target 80 % within 20 s.
    rate = 100 / 1800
    eleven = erlang_c_figures(rate=rate, aht=180, agents=11)
    assert eleven.p_wait == pytest.approx(0.6821, abs=1e-4)
    assert eleven.service_level == pytest.approx(0.3896, abs=1e-4)
    assert eleven.asa_seconds == pytest.approx(0.6821 * 180, abs=0.1)  # C·AHT/(N−A)
    fourteen = erlang_c_figures(rate=rate, aht=180, agents=14)
    assert fourteen.p_wait == pytest.approx(0.1741, abs=1e-4)
    assert fourteen.service_level == pytest.approx(0.8884, abs=1e-4)
    assert agents_for_service_level(rate=rate, aht=180, service_level=0.8) == 14


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    c = erlang_c_figures(rate=10 / 180, aht=180, agents=12)
    a = erlang_a_figures(rate=10 / 180, aht=180, agents=12, patience=1e7)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-4)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-4)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-3)
    assert a.p_abandon < 1e-5
    assert erlang_a_figures(rate=0.05, aht=180, agents=12, patience=math.inf) == (
        erlang_c_figures(rate=0.05, aht=180, agents=12)
    )


def test_erlang_a_holds_its_identities_and_survives_overload():
    # 12 erlangs on 10 agents: Erlang C has no steady state, Erlang A has.
    f = erlang_a_figures(rate=12 / 180, aht=180, agents=10, patience=60)
    assert 0 < f.p_abandon < 1 and 0 < f.service_level < 1
    # every caller who abandons has waited: P(abandon) = θ·E[wait of all callers]
    assert f.p_abandon == pytest.approx(f.mean_wait_seconds / 60)
    # carried load = (1 − P(abandon))·A ≤ agents
    assert f.occupancy == pytest.approx(12 * (1 - f.p_abandon) / 10)
    assert f.occupancy <= 1
    # answered callers wait less on average than all callers (the impatient drop out)
    assert f.asa_seconds < f.mean_wait_seconds
    with pytest.raises(ValueError):
        erlang_c_figures(rate=12 / 180, aht=180, agents=10)


def test_more_agents_never_hurt():
    previous = None
    for agents in range(8, 16):
        f = erlang_a_figures(rate=10 / 180, aht=180, agents=agents, patience=90)
        if previous:
            assert f.service_level > previous.service_level
            assert f.p_abandon < previous.p_abandon
        previous = f
