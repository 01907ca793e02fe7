"""Screen pop: the call ringing at an agent's phone, streamed to their browser."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from vmeste.contactcenter import screenpop
from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.core.models import Centre, Line


@pytest.mark.django_db
def test_pop_for_the_agent_rung(make_user, client):
    line = Line.objects.get(code="we-are-together")
    queue = Queue.objects.create(line=line, code="food", name="Продукты", skill="general")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    agent = Agent.objects.create(user=make_user("op"), centre=centre, state="ringing")
    assert screenpop.pop_for(agent.user_id) is None
    call = Call.objects.create(
        call_id="c1",
        line=line,
        queue=queue,
        centre=centre,
        caller_number="+79001234567",
        state="ringing",
        offered_at=timezone.now(),
        agent=agent,
    )
    Agent.objects.filter(pk=agent.pk).update(call=call)
    pop = screenpop.pop_for(agent.user_id)
    assert pop["call_id"] == "c1" and pop["queue"] == "Продукты"
    assert pop["card_url"] == (
        "/assistance/call/?phone=%2B79001234567&call=c1&line=we-are-together"
    )
    client.force_login(agent.user)
    response = client.get("/contactcenter/screen-pop/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    # Not served by the ASGI server: what rings now, then the browser reconnects.
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("retry: 2000") and '"call_id": "c1"' in body


async def _no_listener() -> None:
    return None


def test_stream_sends_each_new_call_once(monkeypatch):
    monkeypatch.setattr(screenpop, "ensure_listener", _no_listener)
    answers = iter([None, {"call_id": "a"}, {"call_id": "a"}, None, {"call_id": "b"}])

    async def fetch(user_id):
        assert user_id == 7
        return next(answers)

    async def collect():
        return [c async for c in screenpop.stream(7, fetch=fetch, keepalive=0, rounds=5)]

    chunks = asyncio.run(collect())
    calls = [json.loads(c.split("data: ")[1]) for c in chunks if c.startswith("event: call")]
    assert [c["call_id"] for c in calls] == ["a", "b"]
    assert chunks[0].startswith("retry:")
    assert screenpop.HUB.listening() == 0  # the stream left the hub when it ended


def test_a_wake_up_rereads_at_once_not_at_the_keepalive(monkeypatch):
    """Woken from another thread (as the commit hook or the LISTEN task does), the stream
    reads again at once; without the wake-up it would wait the 30 s keep-alive."""
    monkeypatch.setattr(screenpop, "ensure_listener", _no_listener)
    answers = iter([None, {"call_id": "a"}])

    async def fetch(user_id):
        return next(answers)

    async def scenario():
        chunks = screenpop.stream(7, fetch=fetch, keepalive=30, rounds=2)
        assert (await anext(chunks)).startswith("retry:")
        pending = asyncio.ensure_future(anext(chunks))
        await asyncio.sleep(0.05)
        assert not pending.done() and screenpop.HUB.listening() == 1
        started = time.monotonic()
        threading.Thread(target=screenpop.HUB.publish, args=(7,)).start()
        chunk = await asyncio.wait_for(pending, timeout=2)
        await chunks.aclose()
        return chunk, time.monotonic() - started

    chunk, waited = asyncio.run(scenario())
    assert chunk.startswith("event: call") and '"a"' in chunk and waited < 1


@pytest.mark.django_db(transaction=True)
def test_a_ring_wakes_the_agent_after_commit_on_sqlite(make_user, monkeypatch):
    """SQLite: one process, the hub is the channel; woken only once the ring is committed
    (the stream must find the call when it reads). PostgreSQL: see test_two_servers."""
    if connection.vendor != "sqlite":
        pytest.skip("the in-process channel is SQLite's; PostgreSQL uses LISTEN/NOTIFY")
    woken = []
    monkeypatch.setattr(screenpop.HUB, "publish", woken.append)
    line = Line.objects.get(code="we-are-together")
    Queue.objects.create(line=line, code="food", name="Продукты", skill="general", ivr_path="1")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    agent = Agent.objects.create(
        user=make_user("op"), centre=centre, skills={"general": 1}, state="available"
    )
    with transaction.atomic():
        record = Call.objects.create(
            call_id="c1", line=line, queue=Queue.objects.get(), centre=centre,
            offered_at=timezone.now(),
        )  # fmt: skip
        assert dispatch().rung[0].call_id == record.call_id
        assert woken == []  # not before the commit
    assert woken == [agent.user_id]
