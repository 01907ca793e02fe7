"""The media node's events reach Vmeste once each, in their order, whatever Vmeste does:
sent again the same while it fails (a dropped connection, a 503), handed to the outbox
file after the flow's patience, sent again by the next run, never again after a 4xx."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vmeste.telephony import outbox
from vmeste.telephony.edgeclient import VmesteClient
from vmeste.telephony.outbox import VmesteDelayed, VmesteRefused


class Vmeste(ThreadingHTTPServer):
    """The events API in small: answers ``plan`` in turn (a status, or "drop": the
    connection closed with no answer), then 200; stores each event id once."""

    def __init__(self, plan: list) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.plan = list(plan)
        self.requests: list[tuple[dict, int | str]] = []  # every one, with what it got
        self.stored: list[dict] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def taken(self) -> list[str]:
        return [event["event_id"] for event in self.stored]


class _Handler(BaseHTTPRequestHandler):
    server: Vmeste

    def do_POST(self) -> None:
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            answer = self.server.plan.pop(0) if self.server.plan else 200
            self.server.requests.append((payload, answer))
            duplicate = payload["event_id"] in self.server.taken()
            if answer == 200 and not duplicate:
                self.server.stored.append(payload)
        if answer == "drop":
            self.close_connection = True
            return
        body = json.dumps({"event_id": payload["event_id"], "duplicate": duplicate}).encode()
        self.send_response(answer)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def vmeste_with():
    servers = []

    def start(plan: list) -> Vmeste:
        server = Vmeste(plan)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def quick(monkeypatch):
    """Sent again after a few hundredths of a second, not seconds."""
    monkeypatch.setattr(outbox, "BACKOFF", (0.02, 0.05, 0.1))


async def _until(condition, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


def test_an_event_not_taken_is_sent_again_the_same_and_stored_once(vmeste_with):
    vmeste = vmeste_with(["drop", 503])
    client = VmesteClient(vmeste.url, "tok")

    answer = asyncio.run(client.event("call_answered", "c1", agent="a"))

    sent = [payload for payload, _ in vmeste.requests]
    assert [got for _, got in vmeste.requests] == ["drop", 503, 200]
    assert sent[0] == sent[1] == sent[2]  # the same id, the same moment
    assert vmeste.taken() == [sent[0]["event_id"]]
    assert answer == {"event_id": sent[0]["event_id"], "duplicate": False}


def test_a_call_s_events_keep_their_order_through_the_outbox(vmeste_with, quick, tmp_path):
    vmeste = vmeste_with([503] * 8)
    client = VmesteClient(vmeste.url, "tok", patience=0.2)
    late: list[dict] = []
    kept = tmp_path / "outbox-5070.jsonl"

    async def scenario() -> tuple[list, list]:
        client.outbox.start(kept, late.append)
        with pytest.raises(VmesteDelayed):
            await client.event("call_answered", "c1", agent="a")
        on_disk = [json.loads(line)["type"] for line in kept.read_text().splitlines()]
        with pytest.raises(VmesteDelayed):  # waits behind it, never overtakes it
            await client.event("call_ended", "c1")
        both = [json.loads(line)["type"] for line in kept.read_text().splitlines()]
        await _until(lambda: len(late) == 2)
        return on_disk, both

    on_disk, both_on_disk = asyncio.run(scenario())
    assert on_disk == ["call_answered"] and both_on_disk == ["call_answered", "call_ended"]
    assert [event["type"] for event in vmeste.stored] == ["call_answered", "call_ended"]
    types = [payload["type"] for payload, _ in vmeste.requests]
    answered_taken = types.index("call_ended") - 1
    assert vmeste.requests[answered_taken] == (vmeste.stored[0], 200)
    assert [answer["event_id"] for answer in late] == vmeste.taken()
    assert not kept.exists()  # all taken: nothing left for the next run


def test_a_node_restarted_sends_what_its_outbox_kept(vmeste_with, quick, tmp_path):
    kept = tmp_path / "outbox-5070.jsonl"
    stopped = VmesteClient("http://127.0.0.1:9", "tok", patience=0.1)  # nobody there

    async def before_restart() -> None:
        stopped.outbox.start(kept, None)
        for event in ("call_answered", "call_ended"):
            with pytest.raises(VmesteDelayed):
                await stopped.event(event, "c2", agent="a")
        stopped.outbox.close()

    asyncio.run(before_restart())
    left = [json.loads(line) for line in kept.read_text().splitlines()]
    assert [event["type"] for event in left] == ["call_answered", "call_ended"]

    vmeste = vmeste_with([])
    restarted = VmesteClient(vmeste.url, "tok")
    late: list[dict] = []

    async def after_restart() -> None:
        restarted.outbox.start(kept, late.append)
        await _until(lambda: len(late) == 2)

    asyncio.run(after_restart())
    assert vmeste.stored == left  # the same ids and moments, in their order, once each
    assert len(vmeste.requests) == 2 and not kept.exists()


def test_a_refused_event_is_not_sent_again(vmeste_with, quick, tmp_path):
    vmeste = vmeste_with([400])
    client = VmesteClient(vmeste.url, "tok", patience=0.2)
    kept = tmp_path / "outbox-5070.jsonl"

    async def scenario() -> None:
        client.outbox.start(kept, None)
        with pytest.raises(VmesteRefused):
            await client.event("call_ended", "c3")
        await asyncio.sleep(0.4)  # past the patience and several sendings' delays

    asyncio.run(scenario())
    assert [got for _, got in vmeste.requests] == [400]
    assert vmeste.stored == [] and not kept.exists()


def test_vmeste_stores_an_event_sent_again_once(live_server, transactional_db, make_user):
    from vmeste.accounts.services import issue_token
    from vmeste.contactcenter.models import TelephonyEvent

    make_user("edge", "telephony")
    client = VmesteClient(live_server.url, issue_token(username="edge"), timeout=10)
    payload = {
        "event_id": "c4:call_ended:run-1",
        "type": "call_ended",
        "call_id": "c4",
        "at": "2099-01-01T10:00:00+00:00",
    }

    async def twice() -> list[dict]:
        return [await client.outbox.send(dict(payload)) for _ in range(2)]

    first, again = asyncio.run(twice())
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert TelephonyEvent.objects.filter(event_id=payload["event_id"]).count() == 1


def test_events_do_not_wait_behind_the_prompts_being_spoken(vmeste_with):
    """asyncio's default threads all busy (the prompts' synthesis uses them): an event still
    goes to Vmeste and its answer comes back, from the client's own threads."""
    vmeste = vmeste_with([])
    client = VmesteClient(vmeste.url, "tok")
    released = threading.Event()

    async def scenario() -> dict:
        loop = asyncio.get_running_loop()
        busy = [loop.run_in_executor(None, released.wait) for _ in range(64)]
        try:
            async with asyncio.timeout(10):  # a failure's bound, not a speed check
                return await client.event("call_answered", "c9", agent="a")
        finally:
            released.set()
            await asyncio.gather(*busy)
            client.close()

    answer = asyncio.run(scenario())
    assert answer["duplicate"] is False and vmeste.taken() == [answer["event_id"]]
