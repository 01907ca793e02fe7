"""The media application's HTTP client to Vmeste: the line's menu, telephony events, the
heartbeat. Blocking calls (urllib) run in the client's own threads; every call has a
time-out. Telephony events go through the ``outbox``: sent again until Vmeste takes them."""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from vmeste.telephony.outbox import Outbox, VmesteRefused, VmesteUnavailable

# Asked again all the same: Vmeste is busy, or the request waited too long on the way.
AGAIN = (408, 429)
# Requests to Vmeste at once, in the client's own threads: asyncio's default pool is shared
# with the prompts' synthesis, and at 20 calls a second the callers' announcements being
# spoken held its threads while the events waited behind them. Six, not more: each thread
# takes the GIL from the event loop, and with 32 the 2,000-call run at 20/s connected 1,894
# callers, their INVITEs answered in 1.5 s (p50), against 1,933 and 118 ms with six (same
# machine, bench/results/bench_sip_32_threads.json beside bench_sip.json).
HTTP_THREADS = int(os.environ.get("VMESTE_MEDIA_HTTP_THREADS", "6"))


class VmesteClient:
    def __init__(
        self, base_url: str, token: str, timeout: float = 3.0, patience: float = 10.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._ids = itertools.count(1)
        # Per run: the counter starts again at 1 after a restart, and Vmeste would take
        # the new run's event for a copy of the old one's and drop it.
        self._run = secrets.token_hex(3)
        self._threads = ThreadPoolExecutor(HTTP_THREADS, thread_name_prefix="vmeste-http")
        self.outbox = Outbox(self._post_event, patience, self._threads)

    def _post_event(self, payload: dict) -> dict:
        return self._request("POST", "/telephony/events", payload)

    def _request(self, method: str, path: str, payload: dict | None = None) -> dict:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            f"{self.base_url}/api/v1{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in AGAIN:
                raise VmesteRefused(f"{exc.code} {_said(exc)}") from exc
            raise VmesteUnavailable(str(exc)) from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise VmesteUnavailable(str(exc)) from exc

    async def _ask(self, method: str, path: str, payload: dict | None = None) -> dict:
        call = functools.partial(self._request, method, path, payload)
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)

    async def menu(self, line: str) -> dict:
        return await self._ask("GET", f"/telephony/edge/menu/{line}")

    async def queue_status(self, call_id: str) -> dict:
        """A waiting caller's place and expected wait, for the announcement."""
        path = f"/telephony/edge/calls/{urllib.parse.quote(call_id, safe='')}/queue"
        return await self._ask("GET", path)

    async def event(self, type: str, call_id: str, **data) -> dict:
        """One telephony event, sent until Vmeste takes it (``Outbox``); its id is made once,
        so each sending is a copy of the first."""
        payload = {
            "event_id": f"{call_id}:{type}:{self._run}-{next(self._ids)}",
            "type": type,
            "call_id": call_id,
            "at": datetime.now(UTC).isoformat(),
            **{k: v for k, v in data.items() if v not in (None, "")},
        }
        return await self.outbox.send(payload)

    async def agent_event(self, agent: str, event: str) -> dict:
        payload = {
            "event_id": f"agent:{agent}:{event}:{self._run}-{next(self._ids)}",
            "type": "agent_state",
            "at": datetime.now(UTC).isoformat(),
            "agent": agent,
            "event": event,
        }
        return await self.outbox.send(payload)

    async def callbacks_due(self) -> list[dict]:
        """The callbacks given to agents and not yet placed, with the callers' numbers."""
        due = await self._ask("GET", "/telephony/callbacks/due")
        return due if isinstance(due, list) else []

    async def callback_stranded(self, call_id: str, given_at: str = "") -> dict:
        """A callback this node was placing when it stopped: Vmeste puts it back (unless
        it has given it again since: ``given_at``, the ring's moment from ``due``)."""
        path = f"/telephony/edge/callbacks/{urllib.parse.quote(call_id, safe='')}/stranded"
        payload = {"given_at": given_at} if given_at else {}
        return await self._ask("POST", path, payload)

    async def transfers(self, call_ids: list[str]) -> list[dict]:
        """The transfers agents asked for from the site, for these calls, taken by us."""
        payload = {"call_ids": call_ids}
        taken = await self._ask("POST", "/telephony/edge/transfers/claim", payload)
        return taken if isinstance(taken, list) else []

    async def heartbeat(
        self, node: str = "", calls: list[str] | None = None, menu: list[dict] | None = None
    ) -> dict:
        """The heartbeat: what Vmeste decided since; ``node`` (this node's name), the
        ``calls`` it holds and its callers in the voice ``menu`` (what their end would
        tell) let Vmeste end the calls of a node gone."""
        payload = {"node": node, "calls": list(calls or [])} if node else {}
        if node and menu:
            payload["menu"] = list(menu)
        return await self._ask("POST", "/telephony/dispatch", payload)


def _said(error: urllib.error.HTTPError) -> str:
    """Vmeste's reason for a refusal, for the log."""
    try:
        return error.read(500).decode(errors="replace")
    except OSError:
        return ""
