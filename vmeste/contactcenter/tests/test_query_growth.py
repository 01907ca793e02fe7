"""What one telephony event costs in SQL queries does not grow with the calls waiting or
the agents signed in: the same events, with 20 calls waiting and then with 200 (and 100
more agents signed in), cost the same number of queries, kind by kind.

The caches' clocks are held still (``still_caches``), and each round starts after one
event that brings the caches up to date, as a running server's previous event would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vmeste.contactcenter import roster
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.core.models import Centre, Line

URL = "/api/v1/telephony/events"


@pytest.mark.django_db
def test_queries_per_event_do_not_grow_with_waiting_calls(api_as, make_user, still_caches):
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    Queue.objects.create(line=line, code="q", name="Очередь", skill="general", ivr_path="9")
    Agent.objects.create(
        user=make_user("a0"), centre=centre, skills={"general": 1}, state="wrap_up"
    )
    phone = api_as("telephony")
    start = timezone.now()
    seq = 0

    def send(kind: str, call: str = "", **fields) -> tuple[dict, int]:
        nonlocal seq
        seq += 1
        payload = {"event_id": f"e{seq}", "type": kind, "call_id": call, **fields}
        payload["at"] = (start + timedelta(seconds=seq)).isoformat()
        with CaptureQueriesContext(connection) as queries:
            response = phone.post(URL, payload)
        assert response.status_code == 200, response.content
        return response.json(), len(queries.captured_queries)

    def offer(call: str) -> tuple[dict, int]:
        return send("call_offered", call, line="we-are-together", ivr_path="9", centre="nat",
                    caller_number="+79001234567")  # fmt: skip

    def round_of_events(first_call: int) -> dict[str, int]:
        offer(f"warm{first_call}")
        # the caches see the calls offered before this round (an offer that finds nobody
        # free does not read them: the heartbeat does)
        assert phone.post("/api/v1/telephony/dispatch").json()["rung"] == []
        counts = {"call_offered": offer(f"c{first_call}")[1]}  # nobody free: it waits
        body, counts["agent_state"] = send("agent_state", agent="a0", event="ready")
        rung = body["rung"][0]["call_id"]  # the oldest waiting call rings a0
        counts["call_answered"] = send("call_answered", rung, agent="a0")[1]
        counts["call_ended"] = send("call_ended", rung, disposition="consultation")[1]
        return counts

    for n in range(20):
        offer(f"w{n}")
    with_20 = round_of_events(1000)
    assert Call.objects.filter(state="waiting").count() == 21  # 20, and 2 more, 1 given
    for n in range(20, 200):
        offer(f"w{n}")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"b{n}") for n in range(100)
    )
    Agent.objects.bulk_create(
        Agent(user=user, centre=centre, skills={"general": 1}, state="on_call") for user in users
    )
    # Their commit would renew the roster's change stamp and the next dispatch read the
    # roster again; on PostgreSQL the stamp is written at the commit, which this test's
    # transaction never reaches: the same re-read, asked directly.
    roster.clear()
    with_200 = round_of_events(2000)
    assert Call.objects.filter(state="waiting").count() == 202
    print(with_20, with_200)
    assert with_200 == with_20
