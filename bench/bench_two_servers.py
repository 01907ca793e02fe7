"""Two server processes on PostgreSQL taking telephony events at once: 100,000 simulated
calls (offered → rung → answered → ended → wrap-up, some rung out, some breaks) sent over
keep-alive HTTP to two `vmeste serve` processes on one fresh database (vm_cc_two), then
counted from the database: double assignments, agents holding two calls, lost calls.

The harness is `bench/loadcheck.py` (also run by the PostgreSQL test on fewer
calls); it runs in its own process so that its database is the only one it sees.
`VMESTE_BENCH_TWO_SERVERS_CALLS` overrides the number of calls;
`VMESTE_BENCH_TWO_SERVERS_TIMEOUT` (seconds) stops the clients then, and the calls not ended
by then are counted as lost (4 h by default). PostgreSQL's autovacuum is on for the run
(``_autovacuum``); `VMESTE_BENCH_TWO_SERVERS_AUTOVACUUM=as-is` leaves the server as it is
(the comparison run).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "vm_cc_two"
SERVER = os.environ.get("VMESTE_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
FULL_CALLS, QUICK_CALLS = 100_000, 500


def _log(message: str) -> None:
    print(f"[bench_two_servers] {message}", file=sys.stderr, flush=True)


def _fresh_database(env: dict[str, str]) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(
        [sys.executable, "-m", "vmeste.cli", "migrate", "--no-input"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )


@contextlib.contextmanager
def _autovacuum() -> Iterator[str]:
    """PostgreSQL's autovacuum on for the run, as on any production server (it is on by
    default): this machine's server has it off, and without it every update of an agent's
    16 rows or a call leaves a dead row version in the table and its indexes, so each event
    reads more than the one before and the pace falls for a reason no hotline would meet.
    Answers what the server had; what it had is set back afterwards."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        had = conn.execute("SHOW autovacuum").fetchone()[0]
        if os.environ.get("VMESTE_BENCH_TWO_SERVERS_AUTOVACUUM") == "as-is":
            had = "on"  # the comparison run: the server as it is, nothing set back
        if had != "on":
            conn.execute("ALTER SYSTEM SET autovacuum = on")
            conn.execute("SELECT pg_reload_conf()")
    try:
        yield had
    finally:
        if had != "on":
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
                conn.execute("ALTER SYSTEM RESET autovacuum")
                conn.execute("SELECT pg_reload_conf()")


def _said_autovacuum(server_had: str) -> str:
    if os.environ.get("VMESTE_BENCH_TWO_SERVERS_AUTOVACUUM") == "as-is":
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            return f"as the server had it: {conn.execute('SHOW autovacuum').fetchone()[0]}"
    return f"on for the run (the server had it {server_had})"


def run(quick: bool) -> dict:
    calls = int(os.environ.get("VMESTE_BENCH_TWO_SERVERS_CALLS", "0")) or (
        QUICK_CALLS if quick else FULL_CALLS
    )
    env = dict(os.environ)
    env["VMESTE_DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    env.setdefault("VMESTE_DATA_DIR", "/tmp/vm_cc_two")
    env.pop("VMESTE_DEMO", None)
    _log(f"fresh database {DATABASE}, migrating")
    _fresh_database(env)
    logs = Path(env["VMESTE_DATA_DIR"]) / "servers"
    _log(f"{calls} calls through two servers (their logs: {logs})")
    timeout = os.environ.get("VMESTE_BENCH_TWO_SERVERS_TIMEOUT", str(4 * 3600))
    started = time.perf_counter()
    with _autovacuum() as server_had:
        done = subprocess.run(
            [sys.executable, "-m", "bench.loadcheck", "--calls", str(calls),
             "--logs", str(logs), "--timeout", timeout],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )  # fmt: skip
    if not done.stdout.strip():
        raise RuntimeError(f"loadcheck failed: {done.stderr[-3000:]}")
    result = json.loads(done.stdout)
    run_, db = result["run"], result["database"]
    return {
        "calls": calls,
        "servers": run_["servers"],
        "client_threads": run_["clients"],
        "agents": run_["agents"],
        "events": run_["events"],
        "events_per_second": run_["events_per_second"],
        "window_calls": run_["window_calls"],
        "events_per_second_first_window": run_["events_per_second_first_window"],
        "events_per_second_last_window": run_["events_per_second_last_window"],
        "load_average_1_5_15": os.getloadavg(),
        "autovacuum": _said_autovacuum(server_had),
        "wall_seconds": run_["wall_seconds"],
        "retries": run_["retries"],
        "retry_reasons": run_["retry_reasons"],
        "client_errors": run_["errors"],
        "servers_exited": run_["servers_exited"],
        "rings": db["rings"],
        "double_assignments": db["double_assignments"],
        "agents_holding_two_calls": db["agents_holding_two_calls"],
        "lost_calls": db["lost_calls"],
        "contacts": db["contacts"],
        "target": "0 double assignments, 0 agents holding two calls, 0 lost calls",
        "passed": done.returncode == 0,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
