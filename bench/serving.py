"""`vmeste serve` as a child process, for what must talk to the production server itself:
the benchmarks and the tests of the served application."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

VMESTE = str(Path(sys.executable).with_name("vmeste"))


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:PORT
    process: subprocess.Popen  # the server; its pid is the group of it and its workers
    log: Path  # what it printed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Loopback only: never through a proxy named in the environment.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _healthy(base: str) -> bool:
    try:
        with _direct.open(f"{base}/healthz", timeout=2) as answer:
            return answer.status == 200
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def serve(env: dict[str, str], *, log: Path, cwd: Path, timeout: float = 60) -> Iterator[Served]:
    """Start `vmeste serve` on a free loopback port with this environment, wait until it
    answers /healthz, and stop it (workers included) on the way out."""
    port = free_port()
    with open(log, "w") as output:
        process = subprocess.Popen(
            [VMESTE, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: the workers stop with it
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(base):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"vmeste serve did not start; see {log}")
                time.sleep(0.3)
            yield Served(base=base, process=process, log=log)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
