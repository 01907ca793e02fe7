"""Screen pop: when a call is routed to an agent, their browser opens the call card with
the caller already looked up. Server-sent events, woken by a notification, not by polling:

- PostgreSQL: the dispatcher that rings an agent runs ``pg_notify('vmeste_screenpop',
  user id)`` in its transaction; PostgreSQL delivers it at commit to every server process,
  each of which keeps one LISTEN connection (started by its first stream) and wakes the
  streams of that user. A call rung by one process pops up in a browser served by another.
- SQLite (one process): the same wake-up, handed over in-process when the transaction
  commits.

A stream re-reads the agent's row when woken, and every ``KEEPALIVE_SECONDS`` anyway (its
keep-alive comment, and a safety net should a notification be lost while reconnecting).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection, connections, transaction
from django.urls import reverse

from vmeste.contactcenter.models import Agent, Call

CHANNEL = "vmeste_screenpop"
KEEPALIVE_SECONDS = 15.0
log = logging.getLogger(__name__)


def pop_for(user_id: int) -> dict | None:
    """The call ringing at (or talking to) this user's phone, as the browser needs it."""
    agent = (
        Agent.objects.filter(user_id=user_id, call__isnull=False)
        .select_related("call__line", "call__queue")
        .first()
    )
    if agent is None or agent.call.state not in (Call.State.RINGING, Call.State.ANSWERED):
        return None
    call = agent.call
    # The card completes this call's Contact (the one the telephony made), never a second one.
    query = {"phone": call.caller_number, "call": call.call_id}
    if call.line_id:
        query["line"] = call.line.code
    return {
        "call_id": call.call_id,
        "caller_number": call.caller_number,
        "line": call.line.code if call.line_id else None,
        "queue": call.queue.name if call.queue_id else None,
        "ivr_path": call.ivr_path,
        "card_url": f"{reverse('assistance:call_card')}?{urlencode(query)}",
    }


def _read_pop(user_id: int) -> dict | None:
    """`pop_for` for a stream, which reads now and then for as long as the agent is signed
    in: the database connection goes back to the pool after each read instead of staying
    with the stream (a hundred agents would otherwise hold a hundred connections)."""
    try:
        return pop_for(user_id)
    finally:
        close_old_connections()


def announce(user_id: int) -> None:
    """Wake this user's streams once the current transaction commits (never before: the
    stream must find the call when it reads)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # delivered by PostgreSQL at commit
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(user_id)])
    else:
        transaction.on_commit(lambda: HUB.publish(user_id))


class Hub:
    """The streams of this process, by user; woken from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def subscribe(self, user_id: int) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._streams.setdefault(user_id, set()).add(entry)
        return entry

    def unsubscribe(self, user_id: int, entry) -> None:
        with self._lock:
            streams = self._streams.get(user_id, set())
            streams.discard(entry)
            if not streams:
                self._streams.pop(user_id, None)

    def publish(self, user_id: int) -> None:
        with self._lock:
            entries = list(self._streams.get(user_id, ()))
        for loop, event in entries:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def listening(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._streams.values())


HUB = Hub()
_listeners: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}


def _conninfo() -> dict:
    settings = connections["default"].settings_dict  # the test database's name in tests
    info = {
        "dbname": settings["NAME"],
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
        "host": settings.get("HOST") or None,
        "port": settings.get("PORT") or None,
    }
    return {k: v for k, v in info.items() if v}


async def _listen(ready: asyncio.Event) -> None:
    """One LISTEN connection per process (per event loop), reconnecting after a failure."""
    import psycopg

    pause = 0.5
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(
                **_conninfo(), autocommit=True
            ) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                ready.set()
                pause = 0.5
                # A notification may have been missed while reconnecting: wake everyone.
                for user_id in list(HUB._streams):
                    HUB.publish(user_id)
                async for note in conn.notifies():
                    if note.payload.isdecimal():
                        HUB.publish(int(note.payload))
        except asyncio.CancelledError:
            raise
        except Exception:  # the database restarted, the network blinked: try again
            log.warning("screen pop: LISTEN connection lost, reconnecting", exc_info=True)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 10.0)


async def ensure_listener() -> None:
    """Start this loop's LISTEN task (PostgreSQL only); returns once it listens."""
    if connections["default"].vendor != "postgresql":
        return
    loop = asyncio.get_running_loop()
    task = _listeners.get(loop)
    if task is None or task.done():
        ready = asyncio.Event()
        task = loop.create_task(_listen(ready))
        task.ready = ready  # type: ignore[attr-defined]
        _listeners[loop] = task
    await asyncio.wait_for(task.ready.wait(), timeout=10)  # type: ignore[attr-defined]


async def stream(
    user_id: int,
    *,
    fetch: Callable[[int], Awaitable[dict | None]] | None = None,
    keepalive: float = KEEPALIVE_SECONDS,
    rounds: int | None = None,
) -> AsyncIterator[str]:
    """SSE lines: one "call" event each time a different call reaches the agent."""
    fetch = fetch or sync_to_async(_read_pop)
    yield "retry: 2000\n\n"
    entry = HUB.subscribe(user_id)  # before the first read: no ring can slip between
    try:
        try:
            await ensure_listener()
        except Exception:  # no LISTEN: the keep-alive re-read still pops, only later
            log.warning("screen pop: cannot LISTEN", exc_info=True)
        woken = entry[1]
        last = None
        n = 0
        while rounds is None or n < rounds:
            n += 1
            woken.clear()
            pop = await fetch(user_id)
            current = pop["call_id"] if pop else None
            if current != last:
                last = current
                if pop:
                    yield f"event: call\ndata: {json.dumps(pop, ensure_ascii=False)}\n\n"
            try:
                await asyncio.wait_for(woken.wait(), timeout=keepalive)
            except TimeoutError:
                yield ": still here\n\n"  # keeps proxies from closing an idle stream
    finally:
        HUB.unsubscribe(user_id, entry)


def snapshot(user_id: int) -> Iterator[str]:
    """Under a WSGI server (tests' live server, a fallback deployment) a stream would hold a
    worker thread for ever: answer what rings now and close; the browser reconnects after
    the ``retry`` interval, so the pop still comes, within two seconds."""
    yield "retry: 2000\n\n"
    pop = pop_for(user_id)
    if pop:
        yield f"event: call\ndata: {json.dumps(pop, ensure_ascii=False)}\n\n"
