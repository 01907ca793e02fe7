"""What one telephony event costs the server in SQL queries, per event type.

The whole request is counted (the token check included), on a small centre: two agents,
calls that ring at once, calls that wait, answers, hang-ups, wrap-ups that take a waiting
call, a ring-out. A bound that is exceeded means a change made every event dearer.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vmeste.contactcenter import configcache
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.core.models import Centre, Line

URL = "/api/v1/telephony/events"

# The most queries one event of each kind may cost (the whole request, savepoints of the
# test's own transaction included; a ring costs one more on PostgreSQL: its pg_notify).
# Measured on PostgreSQL: before the cut, an offer that rings 35, answered 33, ended 34,
# agent_state 22 (a wrap-up that takes a waiting call); after it, 19, 13, 13 and 16. Then
# 21, 14, 14 and 18: the dispatch asks first whether a free agent is eligible for any
# waiting call (the free agents' skills, then one row per queue and centre), and asks the
# database whether the signed-in agents changed (``roster``) instead of reading them all:
# a free agent whom no call may reach no longer costs every event a full dispatch.
# Then 20, 12, 12 and 18: the waiting calls are this process's copy, checked by one
# aggregate (``waiting``) instead of grouped, read and locked on every dispatch, only the
# calls given are locked, and the Contact is written without a savepoint of its own (the
# roster's check counted on every event here: ``still_caches``).
# Then 16, 9, 9 and 15: an agent event that may free its agent locks them with the free
# agents and is routed in its own transaction, as is a call's first event (one commit,
# not two); the roster's check is a change stamp, not an aggregate over the agents.
# Then agent_state 13: the agent's own step and the ring the dispatch gives them are
# written together (one UPDATE, one INSERT: ``services.Moves``); a sign-in reads the
# user the free agents' lock left with only its username once, not field by field.
BOUNDS = {
    "call_offered": 16,
    "call_answered": 9,
    "call_ended": 9,
    "agent_state": 13,
}


@pytest.mark.django_db
def test_queries_per_event_type(api_as, make_user, still_caches):
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    Queue.objects.create(line=line, code="q", name="Очередь", skill="general", ivr_path="9")
    for name in ("a0", "a1"):
        Agent.objects.create(user=make_user(name), centre=centre, skills={"general": 1})
    phone = api_as("telephony")
    configcache.snapshot()  # read once per process, not per event: not counted here
    start = timezone.now()
    counts: dict[str, list[int]] = defaultdict(list)
    seq = 0

    def send(kind: str, call: str = "", **fields) -> dict:
        nonlocal seq
        seq += 1
        payload = {
            "event_id": f"e{seq}",
            "type": kind,
            "call_id": call,
            "at": (start + timedelta(seconds=seq)).isoformat(),
            **fields,
        }
        with CaptureQueriesContext(connection) as queries:
            response = phone.post(URL, payload)
        assert response.status_code == 200, response.content
        counts[kind].append(len(queries.captured_queries))

        return response.json()

    def offer(call: str) -> dict:
        return send("call_offered", call, line="we-are-together", ivr_path="9", centre="nat",
                    caller_number="+79001234567")  # fmt: skip

    for name in ("a0", "a1"):
        send("agent_state", agent=name, event="sign_in")
    rung = []
    for n in range(4):  # two ring at once, two wait
        rung += offer(f"c{n}")["rung"]
    assert [r["call_id"] for r in rung] == ["c0", "c1"]
    # a0 lets c0 ring out; c0 goes back to its place and a1 will take it later
    send("agent_state", agent="a0", event="no_answer")
    for _ in range(3):
        call = Call.objects.filter(state="ringing").select_related("agent__user").first()
        agent = call.agent.user.username
        send("call_answered", call.call_id, agent=agent)
        send("call_ended", call.call_id, disposition="consultation")
        send("agent_state", agent=agent, event="wrap_done")  # takes the next waiting call
    send("agent_state", agent="a0", event="ready")
    assert Call.objects.filter(state="ended").count() == 3
    print(dict(counts))
    for kind, bound in BOUNDS.items():
        assert max(counts[kind]) <= bound, (kind, counts[kind])
