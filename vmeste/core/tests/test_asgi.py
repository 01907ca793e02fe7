"""The ASGI handler `vmeste serve` runs: answers, streamed answers, a client that leaves.

Driven in-process through the ASGI interface (the server itself is a uvicorn process, run by
the two-server test and the benchmarks); the database is the test database, reached from the
handler's worker threads, so these tests commit (transactional)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from django.conf import settings

from vmeste.accounts.models import ApiToken
from vmeste.core.asgi import Handler

pytestmark = pytest.mark.django_db(transaction=True)


class Exchange:
    """One request to the application, and what it sent back."""

    def __init__(self, path: str, *, method: str = "GET", body: bytes = b"", headers=()) -> None:
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1"), *headers],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        self.incoming: asyncio.Queue = asyncio.Queue()
        self.incoming.put_nowait({"type": "http.request", "body": body, "more_body": False})
        self.sent: list[dict] = []
        self.first_body = asyncio.Event()

    async def receive(self) -> dict:
        return await self.incoming.get()

    async def send(self, message: dict) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            self.first_body.set()

    @property
    def status(self) -> int:
        return self.sent[0]["status"]

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])

    @property
    def finished(self) -> bool:
        last = self.sent[-1]
        return last["type"] == "http.response.body" and not last.get("more_body", False)


def _run(exchange: Exchange, app: Handler | None = None) -> Exchange:
    asyncio.run((app or Handler())(exchange.scope, exchange.receive, exchange.send))
    return exchange


def test_a_registration_is_answered_whole(make_user):
    _token, raw = ApiToken.issue(user=make_user("op"))
    payload = {
        "line": "volgograd-volunteers", "region": "RU-VGG", "category": "groceries-delivery",
        "description": "Продукты", "consent": True,
        "person": {"last_name": "Петрова", "first_name": "Анна", "phone": "+79275551234"},
    }  # fmt: skip
    body = json.dumps(payload).encode()
    exchange = _run(
        Exchange(
            "/api/v1/requests", method="POST", body=body,
            headers=[(b"content-type", b"application/json"),
                     (b"authorization", f"Bearer {raw}".encode())],
        )
    )  # fmt: skip
    assert exchange.status == 201 and exchange.finished
    assert json.loads(exchange.body)["number"].startswith("VGG-")


def test_bad_input_and_errors_are_answered_not_dropped():
    assert _run(Exchange("/api/v1/regions")).status == 401
    assert _run(Exchange("/no/such/page/")).status == 404


def test_a_streamed_answer_arrives_whole_and_ends():
    """Static files are streamed (WhiteNoise): every byte, then the final empty message."""
    exchange = _run(Exchange("/static/vmeste/vmeste.css"))
    assert exchange.status == 200 and exchange.finished
    assert exchange.body == (Path(settings.BASE_DIR) / "static/vmeste/vmeste.css").read_bytes()


def test_an_event_stream_stops_when_the_client_leaves(client, make_user, monkeypatch):
    """The screen pop's stream never ends by itself: the handler must notice the browser
    closing it, stop the stream and return."""
    from vmeste.contactcenter import screenpop

    async def no_listener() -> None:
        return None

    monkeypatch.setattr(screenpop, "ensure_listener", no_listener)
    client.force_login(make_user("agent", "operator"))
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    exchange = Exchange("/contactcenter/screen-pop/", headers=[(b"cookie", cookie)])

    async def scenario() -> None:
        serving = asyncio.create_task(Handler()(exchange.scope, exchange.receive, exchange.send))
        await asyncio.wait_for(exchange.first_body.wait(), timeout=10)
        exchange.incoming.put_nowait({"type": "http.disconnect"})
        await asyncio.wait_for(serving, timeout=10)

    asyncio.run(scenario())
    assert exchange.status == 200
    assert exchange.body.startswith(b"retry: 2000")
