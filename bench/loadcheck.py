"""Two real server processes taking telephony events at once, and the proof from the database
that no call was given twice and no agent held two calls.

Used by the PostgreSQL test (a few thousand calls) and by ``python -m bench two_servers``
(100,000 calls). The servers are ``vmeste serve`` (uvicorn, the production ASGI server)
started as subprocesses on the same database; client threads speak keep-alive HTTP to them,
each thread to one server, and play the telephony: offer calls, ring the agents the answers
name, answer, end, wrap up; some agents let a call ring out, some take a break.

Every decision the router makes comes back in exactly one answer (``rung``); what it asks
for next (answer that ring, later wrap that agent up) goes on one work list that all the
clients share, and whichever client is free carries it on, through its own server: the
calls move between the two servers all the time, and neither server idles while the other
queues (with a list per client, each agent kept going back to the client that first rang
it, and one server ended up with most of the work).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from django.db import connection
from django.utils import timezone

from bench.serving import Served, serve

EVENTS = "/api/v1/telephony/events"
RELEASES = ("no_answer", "caller_gone", "hang_up")  # the agent no longer holds the call
WINDOW = 10_000  # calls: the pace of the first ones is compared with the last ones'


def database_url() -> str:
    """The URL of the database this process uses (the test database under pytest)."""
    s = connection.settings_dict
    auth = quote(s.get("USER") or "postgres")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@contextmanager
def servers(count: int, *, db_url: str, logs: Path, pool_max: int = 8) -> Iterator[list[Served]]:
    """``count`` ``vmeste serve`` processes on free ports, all on ``db_url``, each writing
    to ``logs/server-K.log``; stopped (and waited for) on exit."""
    from django.conf import settings

    env = {
        **os.environ,
        "VMESTE_SECRET_KEY": settings.SECRET_KEY,  # sessions signed here are valid there
        "VMESTE_DATABASE_URL": db_url,
        "VMESTE_DB_POOL_MAX": str(pool_max),
        "DJANGO_SETTINGS_MODULE": "vmeste.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        yield [
            stack.enter_context(serve(env, log=logs / f"server-{k}.log", cwd=Path.cwd()))
            for k in range(count)
        ]


def dead(served: list[Served]) -> list[str]:
    """The servers that are no longer running, each with the end of its log."""
    return [
        f"{s.base} exited with {s.process.returncode}: " + s.log.read_text(errors="replace")[-2000:]
        for s in served
        if s.process.poll() is not None
    ]


def prepare(*, agents: int, prefix: str = "ld") -> tuple[str, list[str]]:
    """A national centre, one queue, ``agents`` agents (offline), a telephony token."""
    from vmeste.accounts.services import create_user, issue_token
    from vmeste.contactcenter.models import Agent, Queue
    from vmeste.core.models import Centre, Line

    line = Line.objects.get(code="we-are-together")
    centre, _ = Centre.objects.get_or_create(
        code=f"{prefix}-nat", defaults={"name_ru": "Федеральный", "kind": "national"}
    )
    Queue.objects.create(
        line=line, code=f"{prefix}-q", name="Нагрузка", skill="general", ivr_path="9"
    )
    names = []
    for i in range(agents):
        user, _pw = create_user(
            actor=None,
            username=f"{prefix}-agent{i}",
            role="operator",
            password="x" * 12,
            check_password=False,
        )
        Agent.objects.create(user=user, centre=centre, skills={"general": 1}, state="offline")
        names.append(user.username)
    create_user(
        actor=None,
        username=f"{prefix}-pbx",
        role="telephony",
        password="x" * 12,
        check_password=False,
    )
    return issue_token(username=f"{prefix}-pbx"), names


@dataclass
class Shared:
    """What the client threads share: the call budget, the end, the tallies."""

    calls: int
    in_flight: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    # What is to be done next, for any client: ("ring", call, agent) or ("agent", agent,
    # ((event, reason), ...)), the steps of one agent in order, done by one client.
    tasks: deque = field(default_factory=deque)
    ended: int = 0
    requests: int = 0
    retries: int = 0
    retry_reasons: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    # (moment, events sent so far) as each call ended: the pace of any stretch of calls
    marks: list[tuple[float, int]] = field(default_factory=list)

    def end_one(self) -> None:
        with self.lock:
            self.ended += 1
            self.marks.append((time.perf_counter(), self.requests))
        self.in_flight.release()

    def pace(self, first: int, last: int) -> float | None:
        """Events per second while the calls ``first``..``last`` (in the order they
        ended, from 0) were ending."""
        if first < 1 or last >= len(self.marks) or last <= first:
            return None
        (t0, n0), (t1, n1) = self.marks[first - 1], self.marks[last]
        return round((n1 - n0) / (t1 - t0), 1) if t1 > t0 else None


class Client(threading.Thread):
    """One telephony connection to one server: offers its share of calls, carries on
    every call the router gives in the answers it receives."""

    def __init__(
        self, k: int, url: str, token: str, calls: int, agents: list[str], shared: Shared, *,
        seed: int, no_answer: float, breaks: float, deadline: float, prefix: str,
    ) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.k, self.token, self.quota, self.shared = k, token, calls, shared
        self.host, self.port = url.removeprefix("http://").split(":")
        self.agents, self.rng = agents, random.Random(seed * 1000 + k)
        self.no_answer, self.breaks, self.deadline = no_answer, breaks, deadline
        self.prefix, self.seq, self.conn = prefix, 0, None
        self.tasks = shared.tasks

    def _post(self, payload: dict) -> dict:
        body = json.dumps(payload)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        for attempt in range(20):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, int(self.port), timeout=60)
                self.conn.request("POST", EVENTS, body, headers)
                response = self.conn.getresponse()
                data = response.read()
                with self.shared.lock:
                    self.shared.requests += 1
                if response.status == 200:
                    return json.loads(data)
                problem = f"HTTP {response.status}: {data[:200]!r}"
            except (OSError, http.client.HTTPException) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                self.conn = None
            # The same event id again is safe (stored once): that is what a PBX would do.
            with self.shared.lock:
                self.shared.retries += 1
                self.shared.retry_reasons[problem[:120]] += 1
            time.sleep(0.05 * (attempt + 1))
        raise RuntimeError(f"event {payload['event_id']} failed 20 times: {problem}")

    def send(self, type_: str, call_id: str = "", **fields) -> dict:
        self.seq += 1
        payload = {
            "event_id": f"{self.prefix}-k{self.k}-{self.seq}",
            "type": type_,
            "call_id": call_id,
            "at": datetime.now(UTC).isoformat(),
            **fields,
        }
        answer = self._post(payload)
        for rung in answer.get("rung", ()):
            self.tasks.append(("ring", rung["call_id"], rung["agent"]))
        return answer

    def step(self, task: tuple) -> None:
        kind, *args = task
        if kind == "ring":
            call_id, agent = args
            if self.rng.random() < self.no_answer:  # lets it ring out: not ready, later back
                self.send("agent_state", agent=agent, event="no_answer")
                self.tasks.append(("agent", agent, (("ready", ""),)))
                return
            self.send("call_answered", call_id, agent=agent)
            self.send("call_ended", call_id, disposition="consultation")
            self.shared.end_one()
            if self.rng.random() < self.breaks:
                self.tasks.append(("agent", agent, (("take_break", "обед"), ("ready", ""))))
            else:
                self.tasks.append(("agent", agent, (("wrap_done", ""),)))
        else:
            agent, steps = args
            for event, reason in steps:
                self.send("agent_state", agent=agent, event=event, reason=reason)

    def _finished(self, offered: int) -> bool:
        if self.shared.errors:  # a client gave up: its calls will never end
            return True
        return offered >= self.quota and self.shared.ended >= self.shared.calls

    def run(self) -> None:
        try:
            for agent in self.agents:
                self.send("agent_state", agent=agent, event="sign_in")
            offered = 0
            while time.monotonic() < self.deadline:
                if offered < self.quota and self.shared.in_flight.acquire(blocking=False):
                    offered += 1
                    self.send(
                        "call_offered",
                        f"{self.prefix}-k{self.k}-c{offered}",
                        line="we-are-together",
                        ivr_path="9",
                        centre=f"{self.prefix}-nat",
                        caller_number=f"+7900{self.k:03d}{offered:04d}"[:12],
                    )
                try:
                    task = self.tasks.popleft()
                except IndexError:
                    task = None
                if task is not None:
                    self.step(task)
                elif self._finished(offered):
                    return
                else:
                    time.sleep(0.002)  # nothing to do yet: the calls are ringing or talking
        except Exception as exc:  # reported to the caller
            with self.shared.lock:
                self.shared.errors.append(f"client {self.k}: {type(exc).__name__}: {exc}")
        finally:
            if self.conn is not None:
                self.conn.close()


def drive(
    urls: list[str],
    token: str,
    agents: list[str],
    *,
    calls: int,
    clients_per_server: int = 3,
    seed: int = 1,
    no_answer: float = 0.03,
    breaks: float = 0.03,
    timeout: float = 3600,
    prefix: str = "ld",
) -> dict:
    """Send ``calls`` calls through the servers at once; answers what the clients saw."""
    n = clients_per_server * len(urls)
    # A few calls more than agents in flight: some wait in the queue, as at a peak.
    shared = Shared(calls=calls, in_flight=threading.Semaphore(len(agents) + 2 * n))
    deadline = time.monotonic() + timeout
    clients = [
        Client(
            k,
            urls[k % len(urls)],
            token,
            calls // n + (1 if k < calls % n else 0),
            agents[k::n],
            shared,
            seed=seed,
            no_answer=no_answer,
            breaks=breaks,
            deadline=deadline,
            prefix=prefix,
        )
        for k in range(n)
    ]
    started = time.perf_counter()
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    wall = time.perf_counter() - started
    return {
        "calls": calls,
        "servers": len(urls),
        "clients": n,
        "agents": len(agents),
        "events": shared.requests,
        "retries": shared.retries,
        "retry_reasons": dict(shared.retry_reasons.most_common(5)),
        "errors": shared.errors,
        "ended_seen_by_clients": shared.ended,
        "wall_seconds": round(wall, 1),
        "events_per_second": round(shared.requests / wall, 1) if wall else None,
        # the brief's measure of keeping the pace: the first and the last WINDOW calls
        # (the first call's own events are the warm-up: the window starts after it)
        "window_calls": min(WINDOW, len(shared.marks) // 2),
        "events_per_second_first_window": shared.pace(1, min(WINDOW, len(shared.marks) // 2)),
        "events_per_second_last_window": shared.pace(
            len(shared.marks) - min(WINDOW, len(shared.marks) // 2), len(shared.marks) - 1
        ),
    }


def count(*, prefix: str = "ld", calls: int) -> dict:
    """From the database alone: calls given to a second agent while the first still held
    them, agents rung with a call while still holding another, calls not ended (lost).

    Each agent's timeline rows are written under that agent's row lock, and a call goes
    back to the queue only in the transaction that writes its release, so primary-key
    order is the order things happened in for one agent and for one call."""
    from vmeste.contactcenter.models import AgentStateChange, Call
    from vmeste.contacts.models import Contact

    call_holder: dict[int, int | None] = {}
    agent_holds: dict[int, int | None] = {}
    double_calls = two_at_once = 0
    rings = 0
    rows = (
        AgentStateChange.objects.filter(call__call_id__startswith=f"{prefix}-")
        .order_by("pk")
        .values_list("agent_id", "call_id", "kind")
        .iterator(chunk_size=5000)
    )
    for agent, call, event in rows:
        if event == "ring":
            rings += 1
            if call_holder.get(call) is not None:
                double_calls += 1
            if agent_holds.get(agent) is not None:
                two_at_once += 1
            call_holder[call], agent_holds[agent] = agent, call
        elif event in RELEASES:
            if call_holder.get(call) == agent:
                call_holder[call] = None
            if agent_holds.get(agent) == call:
                agent_holds[agent] = None
    ours = Call.objects.filter(call_id__startswith=f"{prefix}-")
    states = Counter(ours.values_list("state", flat=True))
    contacts = Contact.objects.filter(call_id__startswith=f"{prefix}-").count()
    return {
        "calls_offered": calls,
        "calls_in_database": sum(states.values()),
        "calls_ended": states.get("ended", 0),
        "rings": rings,
        "double_assignments": double_calls,
        "agents_holding_two_calls": two_at_once,
        "lost_calls": calls - states.get("ended", 0),
        "contacts": contacts,
        "counted_at": timezone.now().isoformat(),
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.loadcheck --calls N --logs DIR``: on the
    database of VMESTE_DATABASE_URL (migrated, fresh), print the run and the counts (JSON)."""
    import argparse

    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=16)
    parser.add_argument("--clients-per-server", type=int, default=3)
    parser.add_argument("--logs", type=Path, default=Path("var/loadcheck"))
    parser.add_argument("--timeout", type=float, default=4 * 3600)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vmeste.settings")
    django.setup()
    token, agents = prepare(agents=args.agents)
    with servers(2, db_url=database_url(), logs=args.logs) as served:
        seen = drive(
            [s.base for s in served],
            token,
            agents,
            calls=args.calls,
            clients_per_server=args.clients_per_server,
            timeout=args.timeout,
        )
        seen["servers_exited"] = dead(served)
    counts = count(calls=args.calls)
    print(json.dumps({"run": seen, "database": counts}, ensure_ascii=False, indent=2))
    clean = not (seen["errors"] or seen["servers_exited"]) and not (
        counts["double_assignments"] or counts["agents_holding_two_calls"] or counts["lost_calls"]
    )
    return 0 if clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
