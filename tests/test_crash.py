"""A crash in the middle of a burst of registrations loses nothing acknowledged and makes no
twin on retry: `vmeste serve` is killed with SIGKILL while clients register, started again,
and every registration is sent again with its Idempotency-Key. On the suite's own database
kind (SQLite: a fresh data dir; PostgreSQL: a fresh database on the same server)."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.db import connection

from bench import serving

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("crash")
CLIENTS, PER_CLIENT = 4, 40


def _body(key: int) -> dict:
    return {
        "line": "volgograd-volunteers", "region": "RU-VGG", "category": "groceries-delivery",
        "description": f"crash-{key}", "consent": True,
        "person": {"last_name": "Петрова", "first_name": "Анна", "phone": f"8927556{key:04d}"},
    }  # fmt: skip


@pytest.fixture
def site(tmp_path):
    """A migrated database of the suite's kind, a user with a token, and the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMESTE_")}
    env.update(VMESTE_DATA_DIR=str(tmp_path), VMESTE_SECURE_COOKIES="0", VMESTE_REQUIRE_2FA="0")
    database = None
    if connection.vendor == "postgresql":
        database = f"crash_{uuid.uuid4().hex[:10]}"
        _admin(f'CREATE DATABASE "{database}"')
        params = connection.settings_dict
        env["VMESTE_DATABASE_URL"] = (
            f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:"
            f"{params['PORT'] or 5432}/{database}"
        )

    def vmeste(*args: str) -> str:
        done = subprocess.run(
            [serving.VMESTE, *args], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    vmeste("migrate", "--no-input")
    vmeste("user", "create", "crash", "--role", "operator", "--password", "pass-word-123")
    token = vmeste("token", "create", "crash").strip()
    yield env, token, database
    if database:
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _admin(statement: str) -> None:
    """A statement no transaction may hold (CREATE/DROP DATABASE), on the server's own
    maintenance database, outside the test's."""
    import psycopg

    params = connection.settings_dict
    with psycopg.connect(
        dbname="postgres", user=params["USER"], host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432, autocommit=True,
    ) as db:  # fmt: skip
        db.execute(statement)


def _start(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    port = serving.free_port()
    process = subprocess.Popen(
        [serving.VMESTE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=ROOT, stdout=log.open("a"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not serving._healthy(base):
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.2)
    return process, base


def _stop(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, sig)
    process.wait(timeout=15)


def _burst(
    base: str, token: str, acknowledged: dict, stop: threading.Event
) -> list[threading.Thread]:
    """Clients registering as fast as they can; each 201 is remembered with its number."""

    def client(first: int) -> None:
        with httpx.Client(base_url=base, trust_env=False, timeout=10) as http:
            for key in range(first, first + PER_CLIENT):
                if stop.is_set():
                    return
                try:
                    answer = http.post(
                        "/api/v1/requests",
                        json=_body(key),
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k{key}"},
                    )
                except httpx.HTTPError:
                    return  # the server is gone: this registration was never acknowledged
                if answer.status_code == 201:
                    acknowledged[key] = answer.json()["number"]

    threads = [threading.Thread(target=client, args=(n * PER_CLIENT,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    return threads


def _rows(env: dict, database: str | None) -> list[tuple[str, str]]:
    """(description, number) of every request the crash test wrote, straight from the disk."""
    query = "SELECT description, number FROM assistance_request WHERE description LIKE 'crash-%'"
    if database is None:
        with sqlite3.connect(Path(env["VMESTE_DATA_DIR"]) / "vmeste.sqlite3") as db:
            return db.execute(query).fetchall()
    import psycopg

    with psycopg.connect(env["VMESTE_DATABASE_URL"].replace("postgres://", "postgresql://")) as db:
        return db.execute(query).fetchall()


def test_a_kill_during_a_burst_loses_nothing_acknowledged_and_makes_no_twin(site, tmp_path):
    env, token, database = site
    log = tmp_path / "serve.log"
    process, base = _start(env, log)
    acknowledged: dict[int, str] = {}
    stop = threading.Event()
    threads = _burst(base, token, acknowledged, stop)
    deadline = time.monotonic() + 30
    while len(acknowledged) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    _stop(process, signal.SIGKILL)  # mid-burst: requests in flight are cut
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert 20 <= len(acknowledged) < CLIENTS * PER_CLIENT, "the kill came mid-burst"

    process, base = _start(env, log)
    try:
        with httpx.Client(base_url=base, trust_env=False, timeout=30) as http:
            numbers = {}
            for key in range(CLIENTS * PER_CLIENT):  # every client retries everything it sent
                answer = http.post(
                    "/api/v1/requests",
                    json=_body(key),
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k{key}"},
                )
                assert answer.status_code == 201, answer.text
                numbers[key] = answer.json()["number"]
                if key in acknowledged:  # acknowledged before the crash: replayed, not redone
                    assert answer.headers.get("Idempotent-Replayed") == "true"
                    assert numbers[key] == acknowledged[key]
    finally:
        _stop(process, signal.SIGTERM)
    rows = _rows(env, database)
    descriptions = [description for description, _number in rows]
    assert len(descriptions) == len(set(descriptions)) == CLIENTS * PER_CLIENT  # no twin
    on_disk = dict(rows)
    for key, number in acknowledged.items():  # nothing acknowledged was lost
        assert on_disk[f"crash-{key}"] == number
