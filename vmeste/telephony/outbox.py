"""The media node's telephony events on their way to Vmeste: none is lost.

An event is sent as soon as it happens and, if Vmeste does not take it (no connection, a
time-out, a 5xx), sent again, the very same (its ``event_id`` and ``at``: Vmeste stores an
id once), after 0.25, 0.5, 1, 2 … s. The flow that told it waits for Vmeste's answer at
most ``patience`` seconds: a caller must not hear silence because Vmeste restarts. After
that the event is handed over: written to the node's outbox file and sent on in the
background until Vmeste takes it, its answer (agents to ring…) then acted on like any
other. A 4xx is final: the event is wrong, sending it again would not make it right.

The events of one call (of one agent, for their state) go one after the other: a
``call_ended`` never overtakes the ``call_answered`` still waiting before it, or Vmeste
would count an answered call as abandoned.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("vmeste.telephony.outbox")
BACKOFF = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)  # seconds between two sendings; then 8 s on


class VmesteUnavailable(Exception):
    """No answer from Vmeste, or a 5xx: worth asking again."""


class VmesteRefused(VmesteUnavailable):
    """A 4xx: the request itself is wrong, asking again would not change the answer."""


class VmesteDelayed(VmesteUnavailable):
    """An event not taken within the flow's patience: the outbox sends it on."""


@dataclass(eq=False)  # each one itself: found in its queue by identity
class _Pending:
    payload: dict
    order: int
    answer: asyncio.Future
    awaited: bool = True  # a flow still waits for the answer (else: ``on_answer``)
    kept: bool = False  # written to the outbox file
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)


class Outbox:
    def __init__(
        self,
        post: Callable[[dict], dict],
        patience: float = 10.0,
        threads: Executor | None = None,
    ) -> None:
        self.post = post  # blocking: sends one event, answers Vmeste's answer
        self.threads = threads  # where ``post`` runs (None: asyncio's default pool)
        self.patience = patience
        self.path: Path | None = None
        self.on_answer: Callable[[dict], None] | None = None
        self.queues: dict[str, deque[_Pending]] = {}
        self.workers: dict[str, asyncio.Task] = {}
        self._order = itertools.count()

    def start(self, path: Path | None, on_answer: Callable[[dict], None] | None) -> None:
        """Keep the outbox in ``path``; what a previous run left there is sent again."""
        self.path, self.on_answer = path, on_answer
        left = self._load()
        for payload in left:
            self._enqueue(payload, awaited=False, kept=True)
        if left:
            log.info("%d telephony events left by the previous run: sent again", len(left))

    def close(self) -> None:
        """Stop sending; what is not sent yet stays on disk for the next run."""
        for queue in self.queues.values():
            for pending in queue:
                pending.kept = True
        self._keep()
        for worker in self.workers.values():
            worker.cancel()

    async def send(self, payload: dict) -> dict:
        """Vmeste's answer to the event, or ``VmesteDelayed`` (handed over to the outbox:
        it will arrive) or ``VmesteRefused`` (a 4xx: it never will)."""
        pending = self._enqueue(payload, awaited=True)
        try:
            return await asyncio.wait_for(asyncio.shield(pending.answer), self.patience)
        except TimeoutError:
            self._hand_over(_key(payload), pending)  # on disk before the flow goes on
            raise VmesteDelayed(f"event {payload['event_id']} left in the outbox") from None
        finally:
            if not pending.answer.done():  # nobody waits for it now: ``on_answer`` will
                pending.awaited = False

    def _enqueue(self, payload: dict, *, awaited: bool, kept: bool = False) -> _Pending:
        loop = asyncio.get_running_loop()
        pending = _Pending(payload, next(self._order), loop.create_future(), awaited, kept)
        key = _key(payload)
        self.queues.setdefault(key, deque()).append(pending)
        if not pending.kept:
            pending.timer = loop.call_later(self.patience, self._hand_over, key, pending)
        if key not in self.workers:
            self.workers[key] = loop.create_task(self._drain(key))
        return pending

    def _hand_over(self, key: str, pending: _Pending) -> None:
        """Not taken within the flow's patience: on disk, with the call's earlier events."""
        queue = self.queues.get(key, ())
        if pending.kept or pending not in queue:
            return
        for earlier in queue:
            earlier.kept = True
            if earlier is pending:
                break
        log.warning("event %s not taken by Vmeste yet: kept", pending.payload["event_id"])
        self._keep()

    async def _drain(self, key: str) -> None:
        """Send the key's events in their order, each until Vmeste takes or refuses it."""
        queue = self.queues[key]
        try:
            while queue:
                pending = queue[0]
                outcome = await self._deliver(pending.payload)
                queue.popleft()
                if pending.timer is not None:
                    pending.timer.cancel()
                if pending.kept:
                    self._keep()
                self._settle(pending, outcome)
        finally:
            if not queue:
                self.queues.pop(key, None)
            self.workers.pop(key, None)

    async def _deliver(self, payload: dict) -> dict | VmesteRefused:
        for attempt in itertools.count():
            try:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self.threads, self.post, payload)
            except VmesteRefused as refused:
                log.error("event %s refused by Vmeste: %s", payload["event_id"], refused)
                return refused
            except VmesteUnavailable as exc:
                level = logging.WARNING if attempt == 0 else logging.DEBUG
                log.log(level, "event %s not sent (%s): again", payload["event_id"], exc)
            await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
        raise AssertionError("unreachable")

    def _settle(self, pending: _Pending, outcome: dict | VmesteRefused) -> None:
        if pending.awaited and not pending.answer.done():
            if isinstance(outcome, VmesteRefused):
                pending.answer.set_exception(outcome)
            else:
                pending.answer.set_result(outcome)
        elif isinstance(outcome, dict) and self.on_answer is not None:
            try:  # late, but the agents it names must still be rung
                self.on_answer(outcome)
            except Exception:  # one answer must not stop the call's next events
                log.exception("answer to %s not acted on", pending.payload["event_id"])

    def _keep(self) -> None:
        """The outbox file: the events handed over and not taken yet, in their order,
        written whole (a rename: a crash mid-write leaves the previous file)."""
        if self.path is None:
            return
        kept = sorted(
            (p for queue in self.queues.values() for p in queue if p.kept),
            key=lambda p: p.order,
        )
        if not kept:
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
            return
        partial = self.path.with_suffix(".part")
        try:
            partial.write_text("".join(json.dumps(p.payload) + "\n" for p in kept))
            partial.replace(self.path)
        except OSError:  # a full disk must not stop the sending: they are still in memory
            log.exception("outbox %s not written", self.path)

    def _load(self) -> list[dict]:
        if self.path is None or not self.path.exists():
            return []
        left = []
        with contextlib.suppress(OSError):
            for line in self.path.read_text().splitlines():
                try:
                    payload = json.loads(line)
                except ValueError:  # a line cut by a crash of the disk, not of us
                    log.error("outbox %s: unreadable line skipped", self.path)
                    continue
                if isinstance(payload, dict) and payload.get("event_id"):
                    left.append(payload)
        return left


def _key(payload: dict) -> str:
    """Events with one key go in order: a call's, or an agent's state changes."""
    return payload.get("call_id") or f"agent:{payload.get('agent', '')}"
