"""`vmeste generate --persons N --requests M [--contacts K]`: bulk data for benchmarks."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from vmeste.demo.generator import generate


class Command(BaseCommand):
    help = (
        "Быстро наполнить базу вымышленными людьми, заявками и обращениями (для нагрузочных"
        " тестов). На PostgreSQL пишет через COPY."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--persons", type=int, default=0)
        parser.add_argument("--requests", type=int, default=0)
        parser.add_argument("--contacts", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=50_000, help="Строк в одной порции.")

    def handle(self, *args, **options) -> None:
        sizes = {k: options[k] for k in ("persons", "requests", "contacts", "batch")}
        if min(sizes.values()) < 0 or options["batch"] == 0:
            raise CommandError("Размеры не могут быть отрицательными, порция — больше нуля.")
        started = time.perf_counter()
        quiet = options["verbosity"] == 0

        table_started: dict[str, float] = {}

        def progress(table: str, done: int) -> None:
            now = time.perf_counter()
            since = table_started.setdefault(table, now)
            if not quiet and " index " in table:
                print(f"  {table}: построен", file=sys.stderr)
            elif not quiet and done:
                rate = done / max(now - since, 1e-3)
                print(f"  {table}: {done:,} ({rate:,.0f} строк/с)", file=sys.stderr)

        try:
            made = generate(
                persons=options["persons"],
                requests=options["requests"],
                contacts=options["contacts"],
                seed=options["seed"],
                batch=options["batch"],
                progress=progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{k}: {v}" for k, v in made.items())
        self.stdout.write(f"Создано за {seconds:.1f} с: {summary}.")
