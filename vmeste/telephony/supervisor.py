"""One supervisor for the edge's processes: start them, restart a crashed one with
back-off (and say so), stop them all on Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("vmeste.telephony.supervisor")


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    due_at: float = 0.0  # when a crashed child is started again
    history: list[str] = field(default_factory=list)


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor dies, even killed outright
    (Linux's PR_SET_PDEATHSIG), so that no orphan keeps the edge's ports."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        logs: Path,
        *,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        steady_after: float = 60.0,
    ) -> None:
        self.children = children
        self.logs = logs
        self.backoff, self.max_backoff, self.steady_after = backoff, max_backoff, steady_after
        self.stopping = False

    def _start(self, child: Child) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        output = (self.logs / f"{child.name}.log").open("ab")
        child.process = subprocess.Popen(
            child.argv,
            env=child.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        output.close()
        child.started_at = time.monotonic()
        log.info("started %s (pid %s)", child.name, child.process.pid)

    def _stop_signal(self, signum, frame) -> None:
        self.stopping = True

    def run(self, *, until=None, poll: float = 0.2) -> None:
        """Supervise until a signal (or ``until()`` says so); then stop every child."""
        previous = {s: signal.signal(s, self._stop_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in self.children:
                self._start(child)
            while not self.stopping and not (until and until()):
                self.step()
                time.sleep(poll)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            self.stop()

    def step(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.process is None:
                if now >= child.due_at:
                    self._start(child)
                continue
            code = child.process.poll()
            if code is None:
                continue
            # Back-off doubles with each quick crash, and starts over once a run lasted.
            lasted = now - child.started_at
            if lasted >= self.steady_after:
                child.restarts = 0
            delay = min(self.max_backoff, self.backoff * 2**child.restarts)
            child.restarts += 1
            child.history.append(f"exit {code} after {lasted:.1f}s")
            log.warning(
                "%s exited with %s after %.1f s: restarting in %.1f s",
                child.name,
                code,
                lasted,
                delay,
            )
            child.process, child.due_at = None, now + delay

    def stop(self, grace: float = 5.0) -> None:
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in running:
            child.process.terminate()
        deadline = time.monotonic() + grace
        for child in running:
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in %.0f s: killed", child.name, grace)
                child.process.kill()
                child.process.wait()
            log.info("stopped %s", child.name)
