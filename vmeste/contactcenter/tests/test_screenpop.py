"""Screen pop: the call ringing at an agent's phone, streamed to their browser."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.utils import timezone

from vmeste.contactcenter import screenpop
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
    assert pop["card_url"] == "/assistance/call/?phone=%2B79001234567&line=we-are-together"
    client.force_login(agent.user)
    response = client.get("/contactcenter/screen-pop/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    response.close()


def test_stream_sends_each_new_call_once():
    answers = iter([None, {"call_id": "a"}, {"call_id": "a"}, None, {"call_id": "b"}])

    async def fetch():
        return next(answers)

    async def collect():
        return [chunk async for chunk in screenpop.stream(fetch, poll=0, rounds=5)]

    chunks = asyncio.run(collect())
    calls = [json.loads(c.split("data: ")[1]) for c in chunks if c.startswith("event: call")]
    assert [c["call_id"] for c in calls] == ["a", "b"]
    assert chunks[0].startswith("retry:")
