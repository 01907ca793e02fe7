"""A ring's writes reach PostgreSQL in one round trip (``Moves.save``, ``core.together``):
the call given, the screen pop's notification, the agent and their timeline."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from vmeste.contactcenter.models import Agent, AgentStateChange, Call
from vmeste.contactcenter.services import Moves
from vmeste.core.models import Centre, Line

pytestmark = pytest.mark.django_db


def _client_messages(work) -> list[str]:
    """The protocol messages this process sent to PostgreSQL while ``work`` ran, by name
    (libpq's trace of the connection: ``Parse``, ``Bind``, ``Execute``, ``Sync`` …)."""
    from psycopg import pq

    pgconn = connection.connection.pgconn
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trace"
        with path.open("w") as trace:
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                work()
            finally:
                pgconn.untrace()
        lines = path.read_text().splitlines()
    return [line.split("\t")[2].split(" ")[0] for line in lines if line.startswith("F\t")]


def test_a_rings_writes_go_in_one_round_trip(make_user):
    if connection.vendor != "postgresql":
        pytest.skip("the pipeline is PostgreSQL's: elsewhere the statements run one by one")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    now = timezone.now()
    agent = Agent.objects.create(
        user=make_user("a1"), centre=centre, state="available", state_since=now
    )
    waiting = Call.objects.create(
        call_id="c1", line=Line.objects.get(code="we-are-together"), offered_at=now
    )
    with transaction.atomic():
        agent = Agent.objects.select_for_update().select_related("user").get(pk=agent.pk)
        moves = Moves()
        moves.ring(Call(pk=waiting.pk, call_id="c1", revision=waiting.revision + 1), agent, now)
        sent = _client_messages(moves.save)
    # four statements (the call, the notification, the agent, the timeline), one Sync
    assert sent.count("Execute") == 4 and sent.count("Sync") == 1, sent
    waiting.refresh_from_db()
    agent.refresh_from_db()
    assert (waiting.state, waiting.agent_id, waiting.revision) == ("ringing", agent.pk, 1)
    assert (agent.state, agent.call_id) == ("ringing", waiting.pk)
    ring = AgentStateChange.objects.get(agent=agent)
    assert (ring.kind, ring.call_id, ring.to_status) == ("ring", waiting.pk, "ringing")
