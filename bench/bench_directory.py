"""The navigator: eligibility of one person over many measures, and one measure over a table.

* engine: 2,000 generated measures (condition trees of 1–7 conditions over every kind of
  fact, with shared named rules) compiled once; then each of many generated person profiles
  is assessed against all of them (pure Python, `vmeste.directory.eligibility.engine`).
  Target: p95 ≤ 20 ms per person.
* bulk: one measure's rules compiled to a database query and run over N persons (the
  "which open requests may qualify for this new measure?" query, without the request join):
  counts of "surely eligible" and "may qualify", and the ids of those who may.
  Full mode: 1,000,000 persons on PostgreSQL (database `vm_bench_directory`, kept between
  runs; persons are generated with bulk_create only when missing). Target ≤ 5 min.
  Quick mode: 20,000 persons on SQLite in a temporary folder.
The bulk part runs in a child process so that it can choose its own database.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"engine_p95_ms": 20.0, "bulk_seconds": 300.0}
SERVER = os.environ.get("VMESTE_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = "vm_bench_directory"
REGIONS = [f"RU-R{i:02d}" for i in range(89)]
FLAGS = ["lives_alone", "self_isolation", "chronic_illness", "veteran", "caregiver",
         "large_family", "low_income", "reduced_mobility", "pregnant", "unemployed",
         "orphanage_graduate"]  # fmt: skip

BULK_MEASURE = {
    "all": [
        {"fact": "age", "op": ">=", "value": 60},
        {"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 1.5}},
        {
            "any": [
                {"fact": "lives_alone", "op": "is", "value": True},
                {"fact": "disability_group", "op": "in", "value": ["1", "2"]},
            ]
        },
    ]
}


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 3)


def _leaf(rng: random.Random) -> dict:
    kind = rng.randrange(6)
    if kind == 0:
        return {"fact": "age", "op": rng.choice([">=", "<", "between"]),
                "value": [18, 35] if rng.random() < 0.3 else rng.randint(14, 80)}  # fmt: skip
    if kind == 1:
        return {"fact": "region", "op": "in", "value": rng.sample(REGIONS, rng.randint(1, 5))}
    if kind == 2:
        return {"fact": "income_per_member", "op": "<=",
                "value": {"subsistence_minimum": rng.choice([1, 1.5, 2])}}  # fmt: skip
    if kind == 3:
        return {
            "fact": "disability_group",
            "op": "in",
            "value": rng.sample(["1", "2", "3", "child"], 2),
        }
    if kind == 4:
        return {"fact": "household_size", "op": ">=", "value": rng.randint(2, 6)}
    return {"fact": rng.choice(FLAGS), "op": "is", "value": rng.random() < 0.8}


def _tree(rng: random.Random, depth: int = 0) -> dict:
    if depth >= 2 or rng.random() < 0.3:
        return _leaf(rng) if rng.random() < 0.9 else {"rule": rng.choice(["pensioner", "poor"])}
    key = rng.choice(["all", "all", "any"])
    node = {key: [_tree(rng, depth + 1) for _ in range(rng.randint(2, 3))]}
    return {"not": node} if rng.random() < 0.05 else node


def _profile(rng: random.Random) -> dict:
    profile = {
        "age": rng.choice([None, *range(16, 95)]),
        "region": rng.choice(REGIONS),
        "disability_group": rng.choice(["", "", "", "1", "2", "3"]),
        "household_size": rng.choice([None, 1, 2, 3, 4, 5]),
        "income_per_member": rng.choice([None, 9000.0, 15000.0, 30000.0]),
        "subsistence_minimum": 15000.0,
    }
    profile["has_disability"] = bool(profile["disability_group"])
    profile.update({flag: rng.random() < 0.2 for flag in FLAGS})
    return profile


def bench_engine(measures: int, persons: int) -> dict:
    # The engine is pure, but the validation's messages are translated text: Django's
    # translation needs settings (no database is touched here).
    import django

    os.environ.setdefault("VMESTE_DATA_DIR", tempfile.mkdtemp(prefix="vm_bench_directory_"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vmeste.settings")
    django.setup()
    from vmeste.directory.eligibility.engine import (
        MeasureIndex,
        MeasureSpec,
        assess,
        compile_measure,
    )
    from vmeste.directory.eligibility.validate import validate

    rng = random.Random(11)
    rules = {
        "pensioner": {"fact": "age", "op": ">=", "value": 60},
        "poor": {"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 1}},
    }
    trees = []
    while len(trees) < measures:  # only trees the validator accepts, as in production
        tree = _tree(rng)
        if not validate(tree, rules=rules, region_codes=frozenset(REGIONS)):
            trees.append(tree)
    started = time.perf_counter()
    compiled = MeasureIndex(
        [
            compile_measure(
                MeasureSpec(
                    i,
                    f"Мера {i}",
                    tree,
                    frozenset(rng.sample(REGIONS, 2)) if i % 3 else frozenset(),
                ),
                rules,
            )
            for i, tree in enumerate(trees)
        ]
    )
    compile_ms = (time.perf_counter() - started) * 1000
    samples, cpu, totals = [], [], [0, 0, 0]
    for _ in range(persons):
        profile = _profile(rng)
        started, started_cpu = time.perf_counter(), time.process_time()
        result = assess(compiled, profile)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        totals[0] += len(result.eligible)
        totals[1] += len(result.maybe)
        totals[2] += len(result.ineligible)
    return {
        "measures": measures,
        "persons": persons,
        "compile_ms": round(compile_ms, 1),
        "p50_ms": _p(samples, 0.5),
        "p95_ms": _p(samples, 0.95),
        "max_ms": round(max(samples), 3),
        # CPU time of this process: the figure to read when the machine is shared and busy.
        "cpu_p50_ms": _p(cpu, 0.5),
        "cpu_p95_ms": _p(cpu, 0.95),
        "load_average": os.getloadavg()[0],
        "mean_split": [round(t / persons, 1) for t in totals],  # eligible, maybe, ineligible
    }


# --- bulk, in a child process ----------------------------------------------------------------


def _generate(n: int) -> None:
    from datetime import date, timedelta
    from decimal import Decimal

    from vmeste.core.models import Region
    from vmeste.people.models import Person

    rng = random.Random(3)
    regions = list(Region.objects.values_list("pk", flat=True))
    today = date.today()
    batch: list = []
    for i in range(n):
        fields = {flag: rng.random() < 0.2 for flag in FLAGS}
        roll = rng.random()
        if roll < 0.7:
            fields["birth_date"] = today - timedelta(days=rng.randint(16 * 365, 95 * 365))
        elif roll < 0.85:
            fields["age_stated"] = rng.randint(16, 95)
            fields["age_stated_on"] = today - timedelta(days=rng.randint(0, 1500))
        batch.append(
            Person(
                last_name="bench",
                region_id=rng.choice(regions) if rng.random() < 0.95 else None,
                disability_group=rng.choice(["", "", "", "", "1", "2", "3"]),
                household_size=rng.choice([None, 1, 2, 3, 4, 5]),
                income_per_member=rng.choice([None, Decimal(9000), Decimal(15000), Decimal(30000)]),
                **fields,
            )
        )
        if len(batch) == 10_000 or i == n - 1:
            Person.objects.bulk_create(batch, batch_size=2_000)
            batch = []


def _generate_sql(n: int) -> None:
    """PostgreSQL: a million rows in one statement, copying a template person and drawing
    the tested columns at random (so new columns of Person keep their defaults)."""
    from django.db import connection

    from vmeste.core.models import Region
    from vmeste.people.models import Person

    template = Person.objects.create(last_name="bench-template")
    regions = ",".join(str(pk) for pk in Region.objects.values_list("pk", flat=True))
    columns = [f.column for f in Person._meta.concrete_fields if not f.primary_key]

    def pick(options: str, count: int) -> str:
        return f"(ARRAY[{options}])[1 + floor(random() * {count})::int]"

    stated = "r1 >= 0.7 AND r1 < 0.85"
    drawn = {
        "last_name": "'bench'",
        "birth_date": "CASE WHEN r1 < 0.7 THEN current_date - (5840 + floor(random() * 28835))::int"
        " END",
        "age_stated": f"CASE WHEN {stated} THEN 16 + floor(random() * 80)::int END",
        "age_stated_on": f"CASE WHEN {stated} THEN current_date - floor(random() * 1500)::int END",
        "region_id": f"CASE WHEN random() < 0.95 THEN {pick(regions, regions.count(',') + 1)} END",
        "disability_group": pick("'', '', '', '', '1', '2', '3'", 7),
        "household_size": pick("NULL, 1, 2, 3, 4, 5", 6),
        "income_per_member": pick("NULL, 9000, 15000, 30000", 4),
        **{flag: "random() < 0.2" for flag in FLAGS},
    }
    select = ", ".join(drawn.get(c, f"t.{c}") for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO people_person ({', '.join(columns)}) "
            f"SELECT {select} FROM people_person t, "
            f"(SELECT random() AS r1 FROM generate_series(1, %s)) g WHERE t.id = %s",
            [n, template.pk],
        )
    template.delete()


def _bulk_child(n: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vmeste.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from decimal import Decimal

    from vmeste.core.models import Region
    from vmeste.directory import services
    from vmeste.directory.models import Measure, RegionFacts
    from vmeste.people.models import Person

    for i, region in enumerate(Region.objects.all()):
        RegionFacts.objects.get_or_create(
            region=region, defaults={"subsistence_minimum": Decimal(14000 + i * 100)}
        )
    have = Person.objects.filter(last_name="bench").count()
    started = time.perf_counter()
    if have < n:
        (_generate_sql if connection.vendor == "postgresql" else _generate)(n - have)
    generate_seconds = round(time.perf_counter() - started, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_person")
    measure, _ = Measure.objects.update_or_create(
        code="bench-measure",
        defaults={"name": "Бенч-мера", "level": "federal", "eligibility": BULK_MEASURE},
    )
    figures = {"database": connection.vendor, "persons": Person.objects.count(),
               "generate_seconds": generate_seconds}  # fmt: skip
    started = time.perf_counter()
    may = services.persons_that_may_qualify(measure)
    figures["may_qualify"] = may.count()
    figures["count_seconds"] = round(time.perf_counter() - started, 2)
    compiled = services.candidates_q(measure)
    started = time.perf_counter()
    figures["surely_eligible"] = may.filter(compiled.true).count()
    figures["surely_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    ids = sum(1 for _pk in may.values_list("pk", flat=True).iterator(chunk_size=20_000))
    figures["ids"] = ids
    figures["ids_seconds"] = round(time.perf_counter() - started, 2)
    figures["bulk_seconds"] = round(
        figures["count_seconds"] + figures["surely_seconds"] + figures["ids_seconds"], 2
    )
    return figures


def _ensure_pg_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def bench_bulk(quick: bool) -> dict:
    env = dict(os.environ)
    env.pop("VMESTE_DEMO", None)
    if quick:
        env["VMESTE_DATA_DIR"] = tempfile.mkdtemp(prefix="vm_bench_directory_")
        env.pop("VMESTE_DATABASE_URL", None)
        n = 20_000
    else:
        _ensure_pg_database()
        env["VMESTE_DATA_DIR"] = "/tmp/vm_bench_directory"
        env["VMESTE_DATABASE_URL"] = f"{SERVER}/{DATABASE}"
        n = 1_000_000
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_directory", "--bulk", str(n)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=7200,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> dict:
    engine = bench_engine(2_000, 200 if quick else 2_000)
    bulk = bench_bulk(quick)
    return {
        "engine": engine,
        "bulk": bulk,
        "targets": TARGETS,
        "met": {
            "engine_p95_ms": engine["p95_ms"] <= TARGETS["engine_p95_ms"],
            # Wall time on a shared 2-core machine includes waiting for the CPU; CPU time
            # is the engine's own cost. Both are reported, both are judged.
            "engine_cpu_p95_ms": engine["cpu_p95_ms"] <= TARGETS["engine_p95_ms"],
            "bulk_seconds": bulk["bulk_seconds"] <= TARGETS["bulk_seconds"],
        },
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--bulk"]:
        print(json.dumps(_bulk_child(int(sys.argv[2]))))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), ensure_ascii=False, indent=2))
