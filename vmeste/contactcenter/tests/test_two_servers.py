"""Two servers taking telephony events at once on PostgreSQL: every call is rung exactly
once, no agent ever holds two calls. The counts are printed (pytest -s).

Two threads, each with its own database connection and transactions, stand for the two
server processes: what could double-assign is the database interleaving, and that is real
here. (Forked processes fought pytest-django's connection handling; a later step.)"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from vmeste.contactcenter.models import Agent, AgentStateChange, Call, Queue
from vmeste.core.models import Centre, Line

CALLS_PER_PROCESS = 40
AGENTS = 8


def _worker(k: int, calls: int, failures) -> None:
    from vmeste.contactcenter.telephony import record_event

    seq = 0

    def send(type_: str, call_id: str = "", **data) -> None:
        nonlocal seq
        seq += 1
        record_event(
            event_id=f"p{k}-{seq}", type=type_, call_id=call_id, at=timezone.now(), data=data
        )

    def serve_rung_calls() -> int:
        with transaction.atomic():
            rung = list(
                Call.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(state=Call.State.RINGING)
                .select_related("agent__user")[:3]
            )
        for call in rung:  # another process may have served it meanwhile: events are safe
            agent = call.agent.user.username
            send("call_answered", call.call_id, agent=agent)
            send("call_ended", call.call_id)
            send("agent_state", agent=agent, event="wrap_done")
        return len(rung)

    try:
        for i in range(calls):
            send(
                "call_offered", f"p{k}-call{i}", line="we-are-together", ivr_path="1", centre="nat"
            )
            serve_rung_calls()
        for _ in range(500):
            if not serve_rung_calls() and not Call.objects.exclude(state="ended").exists():
                break
    except Exception as exc:  # reported to the test
        failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_servers_never_double_assign(make_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two processes, one database")
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    Queue.objects.create(
        line=line, code="food", name="Продукты", skill="general", ivr_path="1", escalation=[[0, 1]]
    )
    for i in range(AGENTS):
        Agent.objects.create(
            user=make_user(f"agent{i}"),
            centre=centre,
            skills={"general": 1},
            state="available",
            state_since=timezone.now() - timedelta(i),
        )
    errors: list[str] = []
    workers = [
        threading.Thread(target=_worker, args=(k, CALLS_PER_PROCESS, errors)) for k in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    assert not errors, errors
    total = 2 * CALLS_PER_PROCESS
    rings = AgentStateChange.objects.filter(event="ring").count()
    ended = Call.objects.filter(state="ended").count()
    print(
        f"\ntwo servers: {total} calls, {rings} rings, {ended} ended, "
        f"{rings - total} double assignments"
    )
    assert ended == total and rings == total
