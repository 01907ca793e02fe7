"""Two real server processes (`vmeste serve`) on one PostgreSQL database taking telephony
events at once: no call given twice, no agent holding two calls, no call lost — counted
from the database and printed (pytest -s). The 100,000-call run is `python -m bench
two_servers` (its figures in the README); this test runs the same harness on fewer calls.
"""

from __future__ import annotations

import http.client
import json
import os
import time

import pytest
from django.db import connection
from django.utils import timezone

from bench import loadcheck
from vmeste.accounts.models import User

CALLS = int(os.environ.get("VMESTE_TWO_SERVERS_CALLS", "1000"))
AGENTS = 16


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_servers_never_double_assign(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two server processes share one database")
    token, agents = loadcheck.prepare(agents=AGENTS)
    with loadcheck.servers(2, db_url=loadcheck.database_url(), logs=tmp_path) as served:
        seen = loadcheck.drive([s.base for s in served], token, agents, calls=CALLS, timeout=600)
        assert not loadcheck.dead(served)
    counts = loadcheck.count(calls=CALLS)
    print(f"\ntwo servers: {seen}\ncounted in the database: {counts}")
    assert not seen["errors"], seen["errors"]
    assert counts["double_assignments"] == 0
    assert counts["agents_holding_two_calls"] == 0
    assert counts["lost_calls"] == 0
    assert counts["calls_in_database"] == counts["calls_ended"] == CALLS
    assert counts["contacts"] == CALLS
    assert counts["rings"] >= CALLS  # every call rung (more: the ones let ring out)


def _post(url: str, token: str, payload: dict) -> dict:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request(
        "POST",
        loadcheck.EVENTS,
        json.dumps(payload),
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    assert response.status == 200, body
    return body


def _next_pop(stream: http.client.HTTPResponse) -> dict:
    while True:
        line = stream.readline().decode()
        assert line, "the stream closed"
        if line.startswith("event: call"):
            return json.loads(stream.readline().decode().removeprefix("data: "))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_screen_pop_crosses_processes_through_listen_notify(client, tmp_path):
    """The call is rung by server A (its events endpoint); the agent's browser is streamed
    by server B. B learns it from PostgreSQL's NOTIFY at once — its stream would otherwise
    re-read the database only at the 15 s keep-alive."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: LISTEN/NOTIFY between two server processes")
    token, (agent,) = loadcheck.prepare(agents=1, prefix="sp")
    client.force_login(User.objects.get(username=agent))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    at = timezone.now()
    with loadcheck.servers(2, db_url=loadcheck.database_url(), logs=tmp_path) as served:
        a, b = (s.base for s in served)
        _post(a, token, {"event_id": "s1", "type": "agent_state", "at": at.isoformat(),
                         "agent": agent, "event": "sign_in"})  # fmt: skip
        host, port = b.removeprefix("http://").split(":")
        sse = http.client.HTTPConnection(host, int(port), timeout=5)
        sse.request("GET", "/contactcenter/screen-pop/", headers={"Cookie": cookie})
        stream = sse.getresponse()
        assert stream.status == 200, (stream.status, stream.headers["Location"])
        assert stream.headers["Content-Type"] == "text/event-stream"
        assert stream.readline().startswith(b"retry:")
        time.sleep(1.5)  # B is listening by now; no call yet
        for n, number in ((1, "+79001112233"), (2, "+79004445566")):
            started = time.monotonic()
            answer = _post(a, token, {
                "event_id": f"o{n}", "type": "call_offered", "call_id": f"sp-{n}",
                "at": timezone.now().isoformat(), "line": "we-are-together",
                "ivr_path": "9", "centre": "sp-nat", "caller_number": number,
            })  # fmt: skip
            assert answer["rung"] == [{"call_id": f"sp-{n}", "agent": agent, "callback": False}]
            pop = _next_pop(stream)
            waited = time.monotonic() - started
            print(f"\nscreen pop across processes: {waited * 1000:.0f} ms")
            assert pop["call_id"] == f"sp-{n}" and pop["caller_number"] == number
            assert waited < 3.0  # far below the 15 s keep-alive: NOTIFY woke it
            for m, (type_, extra) in enumerate(
                (("call_answered", {"agent": agent}), ("call_ended", {}))
            ):
                _post(a, token, {"event_id": f"e{n}-{m}", "type": type_, "call_id": f"sp-{n}",
                                 "at": timezone.now().isoformat(), **extra})  # fmt: skip
            _post(a, token, {"event_id": f"w{n}", "type": "agent_state", "agent": agent,
                             "event": "wrap_done", "at": timezone.now().isoformat()})  # fmt: skip
        sse.close()


@pytest.mark.django_db
def test_the_count_sees_a_double_assignment_and_a_lost_call():
    """The counting itself can fail: a timeline with a call rung to a second agent while
    the first still held it, and an agent rung while holding a call, is counted so."""
    from vmeste.contactcenter.models import Agent, AgentStateChange, Call

    _token, (a, b) = loadcheck.prepare(agents=2, prefix="ct")
    a, b = (Agent.objects.get(user__username=n) for n in (a, b))
    now = timezone.now()
    c1, c2, _waiting = (
        Call.objects.create(call_id=f"ct-{n}", offered_at=now, state=state)
        for n, state in ((1, "ended"), (2, "ended"), (3, "waiting"))
    )

    def row(agent, call, event):
        AgentStateChange.objects.create(agent=agent, call=call, kind=event)

    row(a, c1, "ring")
    row(a, c1, "no_answer")
    row(b, c1, "ring")  # after a let it ring out: fine
    row(a, c2, "ring")
    row(b, c2, "ring")  # while a holds c2: a double assignment; b holds c1 too
    counts = loadcheck.count(prefix="ct", calls=3)
    assert counts["double_assignments"] == 1
    assert counts["agents_holding_two_calls"] == 1
    assert counts["lost_calls"] == 1 and counts["rings"] == 4
