"""`vmeste simulate`: a stationary day of calls through the real routing core."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from vmeste.core.commands import keywords
from vmeste.workforce.services import simulate_stationary


class Command(BaseCommand):
    help = (
        "Simulate a 24 h stationary day: Poisson arrivals at CALLS/86400 per second, one "
        "queue, AGENTS identical agents, exponential handling (mean AHT) and patience, "
        "through the real routing core. Service level = answered within 20 s / offered."
    )

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, required=True, help="calls offered per day")
        parser.add_argument("--agents", type=int, required=True)
        parser.add_argument("--aht", type=float, required=True, help="mean handling, seconds")
        parser.add_argument(
            "--patience", type=float, required=True, help="mean patience, seconds ('inf': none)"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--days", type=float, default=1.0)
        parser.add_argument("--target", type=float, default=20.0, help="service level target, s")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **o):
        if o["calls"] < 0 or o["agents"] < 1 or o["aht"] <= 0 or o["patience"] <= 0:
            raise CommandError("calls ≥ 0, agents ≥ 1, aht > 0 and patience > 0 are needed")
        given = keywords(o, "calls", "agents", "aht", "patience", "seed", "days")
        result = simulate_stationary(target_seconds=o["target"], **given)
        if o["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        predicted = result["erlang_a"] or {}
        lines = [
            f"calls {result['calls']}, answered {result['answered']}, "
            f"abandoned {result['abandoned']}",
            f"service level {result['service_level']:.3f} "
            f"(Erlang A {predicted.get('service_level', float('nan')):.3f})",
            f"ASA {result['asa_seconds']:.1f} s "
            f"(Erlang A {predicted.get('asa_seconds', float('nan')):.1f} s)",
            f"occupancy {result['occupancy']:.3f}, wall {result['wall_seconds']} s",
        ]
        self.stdout.write("\n".join(lines))
