"""The served path of one telephony event: 2,000 agents signed in, 200 calls waiting.

Each event goes through the whole served path in-process: the ASGI application `vmeste
serve` runs (``vmeste.core.asgi.Handler``: the hand-over to a thread, the database
connection taken from the pool and given back, URL routing, the middleware, the token
check, the schema, ``telephony.record_event``, the dispatch and its answer), called as
uvicorn calls it, timed alone, on SQLite and on PostgreSQL (a fresh database each, in a
child process of its own). Only the HTTP parsing and the socket are left out. (Until
2026-12-06 it went through Django's test client, which keeps one connection for the whole
run and connects four signal receivers per request, whose finalizers piled up for the
cycle collector: it both hid and added costs the served process does not have.)
The load is steady: every cycle one call is offered (it waits: the dispatch rebuilds the
router from the database), an agent in wrap-up becomes ready (they take the best waiting
call), and each call rung is answered and ended (the agent goes to wrap-up again). The
other agents are on calls the whole time, so about 200 calls wait throughout.

``python -m bench event_path`` (``--quick``: 30 cycles; ``VMESTE_BENCH_EVENT_PATH_CYCLES``
sets them). Target: p99 ≤ 20 ms.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "vm_bench_event_path"
SERVER = os.environ.get("VMESTE_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
AGENTS, WAITING, QUEUES = 2000, 200, 10
TARGET_P99_MS = 20.0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]


def _figures(values: list[float]) -> dict:
    ms = [v * 1000 for v in values]
    return {
        "events": len(ms),
        "p50_ms": round(_percentile(ms, 0.5), 2),
        "p99_ms": round(_percentile(ms, 0.99), 2),
        "max_ms": round(max(ms), 2),
    }


def _prepare() -> str:
    """Centres, queues, 2,000 agents (200 in wrap-up, the rest on calls) and a token."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from vmeste.accounts.services import create_user, issue_token
    from vmeste.contactcenter.models import Agent, Queue
    from vmeste.core.models import Centre, Line, Region

    rng = random.Random(7)
    line = Line.objects.get(code="we-are-together")
    centres = [Centre.objects.create(code="b-nat", name_ru="Федеральный", kind="national")]
    for n, region in enumerate(Region.objects.order_by("code")[:11]):
        centres.append(
            Centre.objects.create(code=f"b-r{n}", name_ru=region.code, kind="regional",
                                  region=region)
        )  # fmt: skip
    # Wrap-up never runs out during the run: each cycle makes one agent ready by its event
    # (the load the figures describe), not the dispatch at the end of a wrap-up time.
    for q in range(QUEUES):
        Queue.objects.create(line=line, code=f"b{q}", name=f"b{q}", skill=f"s{q}",
                             ivr_path=f"8-{q}", escalation=[[0, 3], [20, 1]],
                             overflow_after_seconds=60, wrap_up_seconds=86400)  # fmt: skip
    User = get_user_model()
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"b-agent{i}", password=password) for i in range(AGENTS)
    )
    Agent.objects.bulk_create(
        Agent(
            user=user,
            centre=centres[i % len(centres)],
            # every skill, so that whoever becomes ready can take some waiting call
            skills={f"s{q}": rng.randint(1, 3) for q in range(QUEUES)},
            state="wrap_up" if i < WAITING else "on_call",
        )
        for i, user in enumerate(users)
    )
    create_user(actor=None, username="b-pbx", role="telephony", password="x" * 12,
                check_password=False)  # fmt: skip
    return issue_token(username="b-pbx")


class _Served:
    """The ASGI application as uvicorn calls it, one request at a time on one event loop."""

    PATH = "/api/v1/telephony/events"

    def __init__(self, token: str) -> None:
        import asyncio

        from vmeste.core.asgi import Handler

        self.handler, self.loop, self.token = Handler(), asyncio.new_event_loop(), token

    def post(self, body: bytes) -> tuple[int, bytes]:
        headers = [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode()),
                   (b"authorization", f"Bearer {self.token}".encode())]  # fmt: skip
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": self.PATH,
                 "raw_path": self.PATH.encode(), "query_string": b"", "root_path": "",
                 "headers": headers, "client": ("127.0.0.1", 50000),
                 "server": ("127.0.0.1", 8000)}  # fmt: skip
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[dict] = []

        async def receive() -> dict:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        self.loop.run_until_complete(self.handler(scope, receive, send))
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def _child(cycles: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from vmeste.contactcenter.models import Agent, Call
    from vmeste.core.memory import settle

    call_command("migrate", verbosity=0)
    token = _prepare()
    connection.close()  # the served requests take theirs from the pool
    served = _Served(token)
    # As the served process does once loaded (vmeste/asgi.py); after the set-up, which a
    # served process never runs: its migration states and 2,000 new users are not the heap
    # a server starts serving with.
    settle()
    rng = random.Random(11)
    n = [0]
    cpu_used: list[float] = []  # this process's CPU per event: the figure a loaded machine
    # spoils least (wall time also counts the other processes' turns on the cores)

    def post(payload: dict, kind: str, timed: dict | None) -> dict:
        n[0] += 1
        payload = {"event_id": f"b{n[0]}", "at": timezone.now().isoformat(), **payload}
        body = json.dumps(payload).encode()
        started, cpu = time.perf_counter(), time.process_time()
        status, content = served.post(body)
        elapsed = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(content)
        if timed is not None:
            timed.setdefault(kind, []).append(elapsed)
            cpu_used.append(time.process_time() - cpu)
        return json.loads(content)

    def offer(i: int, timed: dict | None) -> dict:
        return post({"type": "call_offered", "call_id": f"c{i}", "line": "we-are-together",
                     "queue": f"b{rng.randrange(QUEUES)}", "centre": f"b-r{i % 11}",
                     "caller_number": f"+7900{i:07d}"}, "call_offered", timed)  # fmt: skip

    for i in range(WAITING):  # nobody is free: they all wait
        offer(i, None)
    wrapping = list(Agent.objects.filter(state="wrap_up").values_list("user__username", flat=True))
    timed: dict[str, list[float]] = {}
    for cycle in range(cycles):
        rung = offer(WAITING + cycle, timed)["rung"]
        agent = wrapping.pop(0)
        rung += post({"type": "agent_state", "agent": agent, "event": "ready"},
                     "agent_state ready", timed)["rung"]  # fmt: skip
        for ring in rung:
            call, who = ring["call_id"], ring["agent"]
            post({"type": "call_answered", "call_id": call, "agent": who}, "call_answered", timed)
            post({"type": "call_ended", "call_id": call}, "call_ended", timed)
            wrapping.append(who)
        if (
            agent not in wrapping
            and Agent.objects.filter(user__username=agent, state="available").exists()
        ):
            wrapping.append(agent)  # nothing for them yet: they stay free
    return {
        "agents_signed_in": Agent.objects.exclude(state="offline").count(),
        "calls_waiting_at_end": Call.objects.filter(state="waiting").count(),
        "all": _figures([v for values in timed.values() for v in values]),
        "cpu_of_this_process": _figures(cpu_used),
        "by_event": {kind: _figures(values) for kind, values in timed.items()},
    }


def _run_child(database_url: str, cycles: int) -> dict:
    env = dict(os.environ, VMESTE_DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
    env.setdefault("DJANGO_SETTINGS_MODULE", "vmeste.settings")  # the child sets up Django
    env.setdefault("VMESTE_DATA_DIR", tempfile.mkdtemp(prefix="vm_event_path_"))
    env.pop("VMESTE_DEMO", None)
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_event_path", "--child", str(cycles)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if done.returncode:  # the child's own error, not a bare exit status
        raise RuntimeError(f"bench_event_path child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _machine_speed() -> float:
    """Milliseconds for a fixed piece of pure Python (the median of five): this machine's
    speed drifts by half within a minute (its host is shared), so each run says how fast
    the machine was while it ran."""

    def once() -> float:
        started, total = time.perf_counter(), 0
        for i in range(300_000):
            total += i * i
        return (time.perf_counter() - started) * 1000

    return round(sorted(once() for _ in range(5))[2], 2)


def run(quick: bool) -> dict:
    cycles = int(os.environ.get("VMESTE_BENCH_EVENT_PATH_CYCLES", "0")) or (30 if quick else 300)
    load_before = os.getloadavg()
    speed = [_machine_speed()]
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = _run_child(f"sqlite:///{tmp}/bench.sqlite3", cycles)
    speed.append(_machine_speed())
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    postgres = _run_child(f"{SERVER}/{DATABASE}", cycles)
    speed.append(_machine_speed())
    return {
        "agents": AGENTS,
        "waiting": WAITING,
        "cycles": cycles,
        "target_p99_ms": TARGET_P99_MS,
        "sqlite": sqlite,
        "postgresql": postgres,
        "load_average_1_5_15": {"before": load_before, "after": os.getloadavg()},
        # ms for the same pure-Python loop before SQLite, between, after PostgreSQL
        "machine_speed_ms": speed,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_child(int(sys.argv[2]))))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), ensure_ascii=False, indent=2))
