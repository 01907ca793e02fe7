"""`python -m bench.generate --persons N --requests M [--contacts K]`: bulk data for
benchmarks (`bench/generator.py`) on the database of VMESTE_DATABASE_URL, migrated.

A bench tool, not the product's: the intake benchmark fills its database with it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

import django


def _progress(quiet: bool) -> Callable[[str, int], None]:
    """Rows a second of each table on stderr, and each rebuilt index."""
    table_started: dict[str, float] = {}

    def progress(table: str, done: int) -> None:
        now = time.perf_counter()
        since = table_started.setdefault(table, now)
        if not quiet and " index " in table:
            print(f"  {table}: построен", file=sys.stderr)
        elif not quiet and done:
            rate = done / max(now - since, 1e-3)
            print(f"  {table}: {done:,} ({rate:,.0f} строк/с)", file=sys.stderr)

    return progress


def main(argv: list[str] | None = None) -> int:
    """Parse, check the sizes, set Django up, generate; 0, or argparse's 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description="Быстро наполнить базу вымышленными людьми, заявками и обращениями"
        " (для нагрузочных тестов). На PostgreSQL пишет через COPY.",
    )
    parser.add_argument("--persons", type=int, default=0)
    parser.add_argument("--requests", type=int, default=0)
    parser.add_argument("--contacts", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=50_000, help="Строк в одной порции.")
    parser.add_argument("--quiet", action="store_true", help="Без хода работы на stderr.")
    asked = vars(parser.parse_args(argv))  # the options are `generate`'s parameters
    quiet = asked.pop("quiet")
    if min(asked["persons"], asked["requests"], asked["contacts"]) < 0 or asked["batch"] <= 0:
        parser.error("размеры не могут быть отрицательными, порция — больше нуля.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vmeste.settings")
    django.setup()
    from bench.generator import generate  # its models need Django set up first

    started = time.perf_counter()
    try:
        made = generate(**asked, progress=_progress(quiet))
    except ValueError as exc:
        parser.error(str(exc))
    summary = ", ".join(f"{k}: {v}" for k, v in made.items())
    print(f"Создано за {time.perf_counter() - started:.1f} с: {summary}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
