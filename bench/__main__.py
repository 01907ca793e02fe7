"""`make bench`: run every bench/bench_*.py module's `run()` and print one JSON document.

Each module's `run(quick: bool) -> dict` returns its figures (and the targets it measures
against); the results are also written to bench/results/<name>.json with the machine they
came from, so the README's figures can name it. `python -m bench NAME ...` runs a subset;
`--quick` runs small sizes for a smoke check.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if wanted:
        names = [n for n in names if n.removeprefix("bench_") in wanted or n in wanted]
    results: dict = {"machine": machine(), "quick": quick, "benchmarks": {}}
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    for name in names:
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        figures = module.run(quick=quick)
        figures["bench_seconds"] = round(time.perf_counter() - started, 1)
        results["benchmarks"][name] = figures
        (out_dir / f"{name}.json").write_text(
            json.dumps({"machine": results["machine"], **figures}, ensure_ascii=False, indent=2)
        )
        print(f"# {name} done in {figures['bench_seconds']} s", file=sys.stderr)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
