"""Intake under load: caller lookup, the request list and registration, over real HTTP.

A PostgreSQL database `vm_bench_intake` (created when missing, reused afterwards and topped
up to the wanted size) is filled by `python -m bench.generate` with 1 M persons and 2 M requests
(`--quick`: 20 k / 40 k), served by `vmeste serve` on a free loopback port, and measured with
concurrent HTTP clients holding an operator's API token:

- caller lookup `GET /api/v1/persons?phone=…`: 50/s from 8 clients, p95 ≤ 20 ms;
- request list `GET /api/v1/requests?…` (filters, search, pages): 20/s from 8 clients,
  p95 ≤ 150 ms;
- registration `POST /api/v1/requests`: 100 requests/s paced from 20 clients, p99 ≤ 100 ms;
- then the capacity of each read: 8 clients sending as fast as answers come.

Every paced run counts latency from the moment each request was due (so a slow server cannot
hide its queue by slowing the clients down).

Environment: VMESTE_BENCH_PG (server URL, default postgres://postgres@127.0.0.1:5432),
VMESTE_WORKERS (server processes; default: twice the number of cores — each process is one
Python interpreter, so a second one per core keeps the cores busy while the other waits on
PostgreSQL). Registration also reports the server's CPU time per registration
(`server_cpu_ms_each`), a figure that does not depend on what else the machine is doing.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg

from bench import serving

ROOT = Path(__file__).resolve().parent.parent
VMESTE = serving.VMESTE
DATABASE = "vm_bench_intake"
SERVER = os.environ.get("VMESTE_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
USERNAME = "bench-intake"
TARGETS = {"lookup_p95_ms": 20, "list_p95_ms": 150, "register_p99_ms": 100}
FULL = {"persons": 1_000_000, "requests": 2_000_000, "lookups": 1500, "lists": 600, "seconds": 30}
QUICK = {"persons": 20_000, "requests": 40_000, "lookups": 300, "lists": 120, "seconds": 10}
RATE, REGISTER_CLIENTS, READ_CLIENTS = 100, 20, 8
# Reads are measured at a stated load, far above a national line's peak (1.5 M calls a month
# is ~1 call/s on average): latency at a load, not the queue of clients on saturated cores.
# The closed-loop "capacity" figures give the most each read sustains on this machine.
LOOKUP_RATE, LIST_RATE = 50, 20
# New callers get numbers from +7 902 …, a block no generator uses (see vmeste/demo/fiction.py).
NEW_CALLERS = 79_020_000_000


def _log(message: str) -> None:
    print(f"[bench_intake] {message}", file=sys.stderr, flush=True)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["VMESTE_DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    env.setdefault("VMESTE_DATA_DIR", "/tmp/vm_bench_intake")
    env.setdefault("VMESTE_WORKERS", str(2 * (os.cpu_count() or 1)))
    env.pop("VMESTE_DEMO", None)
    return env


def _vmeste(*args: str, env: dict[str, str], timeout: float = 3600) -> str:
    done = subprocess.run(
        [VMESTE, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"vmeste {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def _ensure_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
            _log(f"created database {DATABASE}")


def _count(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _prepare(sizes: dict, env: dict[str, str]) -> dict:
    """Migrate, then generate what is missing to reach the wanted sizes."""
    _ensure_database()
    started = time.perf_counter()
    _vmeste("migrate", "--no-input", env=env)
    with psycopg.connect(env["VMESTE_DATABASE_URL"]) as conn:
        persons, requests = _count(conn, "people_person"), _count(conn, "assistance_request")
    more_persons = max(0, sizes["persons"] - persons)
    more_requests = max(0, sizes["requests"] - requests)
    if more_persons or more_requests:
        _log(f"generating {more_persons} persons and {more_requests} requests")
        sizes_asked = ["--persons", str(more_persons), "--requests", str(more_requests)]
        subprocess.run(
            [sys.executable, "-m", "bench.generate", *sizes_asked],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=3600,
        )
    with psycopg.connect(env["VMESTE_DATABASE_URL"]) as conn:
        return {
            "persons": _count(conn, "people_person"),
            "requests": _count(conn, "assistance_request"),
            "generated": {"persons": more_persons, "requests": more_requests},
            "prepare_seconds": round(time.perf_counter() - started, 1),
        }


def _token(env: dict[str, str]) -> str:
    try:
        _vmeste("user", "create", USERNAME, "--role", "operator",
                "--password", uuid.uuid4().hex, env=env)  # fmt: skip
    except RuntimeError as exc:
        if "exist" not in str(exc).lower() and "уже" not in str(exc):
            raise
    return _vmeste("token", "create", USERNAME, env=env).strip().splitlines()[-1]


def _cpu_seconds(group: int) -> tuple[float, float]:
    """CPU seconds (user + system) used so far by the live processes of a process group (the
    server's master and its workers), and by PostgreSQL's processes. Unlike latency, these do
    not depend on what else the machine is doing at the time. PostgreSQL's backends that
    ended meanwhile are not counted."""
    server = database = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            command, rest = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue  # gone meanwhile
        fields = rest.split()
        # After the command: state, ppid, pgrp, …; utime and stime are fields 14 and 15.
        ticks = int(fields[11]) + int(fields[12])
        if int(fields[2]) == group:
            server += ticks
        elif command.endswith("(postgres"):
            database += ticks
    hz = os.sysconf("SC_CLK_TCK")
    return server / hz, database / hz


def _machine_ticks() -> list[int]:
    """/proc/stat's first line: user nice system idle iowait irq softirq steal …"""
    return [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def _machine_share(before: list[int], after: list[int]) -> dict:
    """How busy the whole machine was between two readings, and how much the hypervisor
    took (steal): a run on a shared virtual machine is read with these."""
    delta = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(delta) or 1
    idle = delta[3] + delta[4]
    return {"busy": round((total - idle) / total, 3), "steal": round(delta[7] / total, 3)}


def _samples(env: dict[str, str]) -> dict:
    with psycopg.connect(env["VMESTE_DATABASE_URL"]) as conn:
        callers = conn.execute(
            "SELECT p.last_name, p.first_name, p.middle_name, ph.e164"
            " FROM people_personphone ph JOIN people_person p ON p.id = ph.person_id"
            " WHERE ph.person_id IN (SELECT id FROM people_person ORDER BY random() LIMIT 2000)"
        ).fetchall()
        numbers = [
            row[0]
            for row in conn.execute(
                "SELECT number FROM assistance_request ORDER BY random() LIMIT 200"
            )
        ]
    return {"callers": callers, "numbers": numbers}


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)

    return {
        "count": len(ordered),
        "p50_ms": at(0.5),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 2),
    }


class Tally:
    """Latencies and errors gathered by many threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.not_sent = 0
        self.achieved_rate = 0.0

    def add(self, label: str, ms: float, response: httpx.Response | None, error: str = "") -> None:
        with self.lock:
            if response is not None and response.status_code < 300:
                self.latencies.setdefault(label, []).append(ms)
            else:
                detail = error or f"{response.status_code} {response.text[:200]}"
                self.errors.append(f"{label}: {detail}")


def _client(base: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        trust_env=False,  # loopback only: never through a proxy
    )


def _send(client: httpx.Client, tally: Tally, label: str, call: Callable, since: float) -> None:
    try:
        response = call(client)
    except httpx.HTTPError as exc:
        tally.add(label, 0, None, error=type(exc).__name__)
        return
    tally.add(label, (time.perf_counter() - since) * 1000, response)


def _closed_loop(
    base: str, token: str, jobs: list[tuple[str, Callable]], clients: int, limit: float = 120
) -> Tally:
    """Each client sends its next job as soon as the previous answer arrived; at most
    `limit` seconds, after which the jobs left are counted as not sent."""
    tally, lock, queue = Tally(), threading.Lock(), list(reversed(jobs))
    stop = time.perf_counter() + limit

    def worker() -> None:
        with _client(base, token) as client:
            while True:
                with lock:
                    if not queue or time.perf_counter() > stop:
                        return
                    label, call = queue.pop()
                _send(client, tally, label, call, time.perf_counter())

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=limit + 30)
    tally.not_sent = len(queue)
    return tally


def _open_loop(
    base: str, token: str, jobs: list[tuple[str, Callable]], *, rate: float, clients: int
) -> Tally:
    """Job i is due at start + i/rate whoever sends it; late answers count as late."""
    tally, lock, total = Tally(), threading.Lock(), len(jobs)
    state = {"next": 0, "sent": 0}
    start = time.perf_counter() + 0.5
    stop = start + total / rate + 60  # a server far behind is not waited for forever

    def worker() -> None:
        with _client(base, token) as client:
            while True:
                with lock:
                    index = state["next"]
                    state["next"] += 1
                if index >= total or time.perf_counter() > stop:
                    return
                due = start + index / rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                label, call = jobs[index]
                _send(client, tally, label, call, due)
                with lock:
                    state["sent"] += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=total / rate + 90)
    tally.not_sent = total - state["sent"]
    tally.achieved_rate = round(state["sent"] / max(time.perf_counter() - start, 1e-6), 1)
    return tally


def _capacity(base: str, token: str, jobs: list[tuple[str, Callable]]) -> dict:
    """What the server sustains when READ_CLIENTS clients send as fast as answers come."""
    started = time.perf_counter()
    tally = _closed_loop(base, token, jobs, READ_CLIENTS)
    seconds = time.perf_counter() - started
    answered = sum(len(values) for values in tally.latencies.values())
    return {
        "clients": READ_CLIENTS,
        "per_s": round(answered / seconds, 1),
        **{k: v for k, v in _figures(tally).items() if k in ("p50_ms", "p95_ms", "errors")},
    }


def _lookup_jobs(samples: dict, count: int, rng: random.Random) -> list[tuple[str, Callable]]:
    jobs = []
    for _ in range(count):
        if rng.random() < 0.85:
            phone = rng.choice(samples["callers"])[3]
            if rng.random() < 0.3:  # as typed by an operator: 8 927 123-45-67
                phone = f"8 {phone[2:5]} {phone[5:8]}-{phone[8:10]}-{phone[10:]}"
        else:
            phone = f"+{NEW_CALLERS + rng.randrange(10_000_000)}"
        jobs.append(("lookup", lambda c, p=phone: c.get("/api/v1/persons", params={"phone": p})))
    return jobs


def _list_jobs(samples: dict, count: int, rng: random.Random) -> list[tuple[str, Callable]]:
    variants: list[tuple[str, Callable[[], dict]]] = [
        ("first_page", lambda: {}),
        ("status", lambda: {"status": "new"}),
        ("region", lambda: {"region": rng.choice(["RU-VGG", "RU-MOW", "RU-TA", "RU-SPE"])}),
        ("region_status", lambda: {"region": "RU-MOW", "status": "in_progress"}),
        ("overdue", lambda: {"overdue": "true"}),
        ("by_number", lambda: {"q": rng.choice(samples["numbers"])}),
        ("by_phone", lambda: {"q": rng.choice(samples["callers"])[3]}),
        ("page_11", lambda: {"offset": 500}),
    ]
    jobs = []
    for i in range(count):
        label, params = variants[i % len(variants)]
        query = {"limit": 50, **params()}
        jobs.append((f"list_{label}", lambda c, q=query: c.get("/api/v1/requests", params=q)))
    rng.shuffle(jobs)
    return jobs


def _registrations(samples: dict, count: int, rng: random.Random) -> list[tuple[str, Callable]]:
    lines = [
        ("we-are-together", ["RU-MOW", "RU-SPE", "RU-TA", "RU-KDA", "RU-SVE", "RU-NVS"]),
        ("volgograd-volunteers", ["RU-VGG"]),
    ]
    topics = ["groceries-delivery", "medicines-delivery", "state-measures", "loneliness"]

    def make() -> tuple[str, Callable]:
        line, regions = rng.choice(lines)
        if rng.random() < 0.3:  # a known caller calls again
            last, first, middle, phone = rng.choice(samples["callers"])
        else:
            last, first, middle = "Нагрузочная", "Анна", "Тестовна"
            phone = f"+{NEW_CALLERS + rng.randrange(10_000_000)}"
        body = {
            "line": line,
            "region": rng.choice(regions),
            "category": rng.choice(topics),
            "description": "Нужна доставка продуктов и лекарств (нагрузочный тест).",
            "urgency": "normal",
            "consent": True,
            "person": {
                "last_name": last,
                "first_name": first,
                "middle_name": middle,
                "phone": phone,
                "birth_date": "1948-05-09",
                "address": "ул. Мира, д. 1, кв. 1",
            },
        }
        key = f"bench-{uuid.uuid4()}"
        post = lambda c: c.post("/api/v1/requests", json=body, headers={"Idempotency-Key": key})  # noqa: E731
        return "register", post

    return [make() for _ in range(count)]


def _figures(tally: Tally, by_label: bool = False) -> dict:
    merged = [ms for values in tally.latencies.values() for ms in values]
    figures = {**_percentiles(merged), "errors": len(tally.errors), "not_sent": tally.not_sent}
    if tally.errors:
        figures["first_errors"] = tally.errors[:3]
    if by_label:
        figures["p95_ms_by_query"] = {
            label: _percentiles(values).get("p95_ms") for label, values in tally.latencies.items()
        }
    return figures


def run(quick: bool) -> dict:
    sizes = QUICK if quick else FULL
    env = _env()
    Path(env["VMESTE_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if not shutil.which(VMESTE):
        raise RuntimeError(f"{VMESTE} not found: run `make install`")
    data = _prepare(sizes, env)
    token = _token(env)
    samples = _samples(env)
    rng = random.Random(2026)
    results: dict = {"database": "postgresql", "data": data, "targets": TARGETS}
    results["server_workers"] = int(env["VMESTE_WORKERS"])
    log = Path(env["VMESTE_DATA_DIR"]) / "serve.log"
    with serving.serve(env, log=log, cwd=ROOT) as served:
        base, server_group = served.base, served.process.pid
        _log(f"serving on {base}; warming up")
        _closed_loop(base, token, _lookup_jobs(samples, 50, rng), READ_CLIENTS)
        _closed_loop(base, token, _list_jobs(samples, 40, rng), READ_CLIENTS)
        _log(f"caller lookup at {LOOKUP_RATE}/s")
        lookup = _open_loop(
            base, token, _lookup_jobs(samples, sizes["lookups"], rng),
            rate=LOOKUP_RATE, clients=READ_CLIENTS,
        )  # fmt: skip
        _log(f"request list at {LIST_RATE}/s")
        listing = _open_loop(
            base, token, _list_jobs(samples, sizes["lists"], rng),
            rate=LIST_RATE, clients=READ_CLIENTS,
        )  # fmt: skip
        _log(f"registration at {RATE}/s for {sizes['seconds']} s")
        cpu_before, machine_before = _cpu_seconds(server_group), _machine_ticks()
        register = _open_loop(
            base, token, _registrations(samples, RATE * sizes["seconds"], rng),
            rate=RATE, clients=REGISTER_CLIENTS,
        )  # fmt: skip
        cpu_after, machine = (
            _cpu_seconds(server_group),
            _machine_share(machine_before, _machine_ticks()),
        )
        _log("capacity: closed loops")
        lookup_capacity = _capacity(base, token, _lookup_jobs(samples, sizes["lookups"] // 2, rng))
        list_capacity = _capacity(base, token, _list_jobs(samples, sizes["lists"] // 2, rng))
    results["lookup"] = {
        **_figures(lookup),
        "clients": READ_CLIENTS,
        "rate_per_s": LOOKUP_RATE,
        "achieved_rate_per_s": lookup.achieved_rate,
        "capacity": lookup_capacity,
    }
    results["list"] = {
        **_figures(listing, by_label=True),
        "clients": READ_CLIENTS,
        "rate_per_s": LIST_RATE,
        "achieved_rate_per_s": listing.achieved_rate,
        "capacity": list_capacity,
    }
    registered = len(register.latencies.get("register", []))
    results["register"] = {
        **_figures(register),
        "clients": REGISTER_CLIENTS,
        "rate_per_s": RATE,
        "achieved_rate_per_s": register.achieved_rate,
        "server_cpu_ms_each": round(1000 * (cpu_after[0] - cpu_before[0]) / max(registered, 1), 2),
        "postgres_cpu_ms_each": round(
            1000 * (cpu_after[1] - cpu_before[1]) / max(registered, 1), 2
        ),
        "machine_during": machine,
    }
    results["met"] = {
        "lookup_p95": results["lookup"].get("p95_ms", 1e9) <= TARGETS["lookup_p95_ms"],
        "list_p95": results["list"].get("p95_ms", 1e9) <= TARGETS["list_p95_ms"],
        "register_p99": results["register"].get("p99_ms", 1e9) <= TARGETS["register_p99_ms"],
    }
    return results
