"""`vmeste simulate --json`: the contract's keys, the Erlang A prediction beside them."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command


def run(*args: str) -> str:
    out = StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


def test_simulate_prints_the_contract_figures_as_json():
    result = json.loads(
        run(
            "--calls",
            "3000",
            "--agents",
            "5",
            "--aht",
            "120",
            "--patience",
            "60",
            "--seed",
            "4",
            "--json",
        )
    )
    for key in ("calls", "answered", "abandoned", "service_level", "asa_seconds", "wall_seconds"):
        assert key in result
    assert result["answered"] + result["abandoned"] == result["calls"]
    assert 2700 < result["calls"] < 3300
    assert 0 <= result["service_level"] <= 1
    assert set(result["erlang_a"]) >= {"service_level", "asa_seconds", "abandon_rate"}
    again = json.loads(
        run(
            "--calls",
            "3000",
            "--agents",
            "5",
            "--aht",
            "120",
            "--patience",
            "60",
            "--seed",
            "4",
            "--json",
        )
    )
    timing = {"wall_seconds", "cpu_seconds"}
    assert {k: v for k, v in again.items() if k not in timing} == {
        k: v for k, v in result.items() if k not in timing
    }


def test_simulate_speaks_plain_text_and_accepts_infinite_patience():
    text = run("--calls", "2000", "--agents", "4", "--aht", "120", "--patience", "inf")
    assert "service level" in text and "abandoned 0" in text
