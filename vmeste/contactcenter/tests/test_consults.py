"""A warm transfer to an agent of ours: the colleague consulted is reserved for the call,
then takes the caller («Соединить») or is freed («Вернуться», no answer, the caller gone).
The server's clock is fixed (``clock``); the node's side is its events and claims."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from vmeste.contactcenter import transferorders
from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import Agent, AgentStateChange, Call, Queue, TransferOrder
from vmeste.contactcenter.tests import clock
from vmeste.contactcenter.tests.test_transfers import T0, ev
from vmeste.contacts.models import Contact
from vmeste.core.errors import ServiceError
from vmeste.core.models import Centre, Line

pytestmark = pytest.mark.django_db
URL = "/api/v1/telephony/events"
CLAIM = "/api/v1/telephony/edge/transfers/claim"


@pytest.fixture(autouse=True)
def _server_clock(server_clock):
    """The server at each event's moment: reservations and wrap-ups on the events' day."""


def _agent(user, centre, skills, *, state="available", idle_since=T0 - timedelta(minutes=5)):
    return Agent.objects.create(
        user=user, centre=centre, skills=skills, state=state, state_since=idle_since
    )


@pytest.fixture
def desk(api_as, make_user):
    """The operator (an agent, ``general``) talks to the caller of c1; a psychologist,
    «expert», is free; the edge's client sends the node's events."""
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    for code, skill, path in (("food", "general", "1"), ("psy", "psy", "3")):
        Queue.objects.create(
            line=line, code=code, name=code, skill=skill, ivr_path=path, escalation=[[0, 1]]
        )
    op, edge = api_as("operator"), api_as("telephony")
    _agent(op.user, centre, {"general": 1})
    _agent(make_user("expert"), centre, {"psy": 1})
    offered = ev("o1", "call_offered", "c1", 0, line="we-are-together", ivr_path="1",
                 centre="nat")  # fmt: skip
    assert edge.post(URL, offered).json()["call"]["agent"] == op.user.username
    edge.post(URL, ev("a1", "call_answered", "c1", 5, agent=op.user.username))
    return {"op": op, "edge": edge, "centre": centre, "make_user": make_user}


def _consult(op, call_id="c1", **target):
    return op.post(f"/api/v1/contactcenter/calls/{call_id}/transfer", {**target, "consult": True})


def _end(op, complete, call_id="c1"):
    path = f"/api/v1/contactcenter/calls/{call_id}/consultation/end"
    return op.post(path, {"complete": complete})


def state(name):
    agent = Agent.objects.select_related("call").get(user__username=name)
    return agent.state, agent.call.call_id if agent.call else None


def _told(edge, n, seconds, outcome, agent="expert"):
    return edge.post(URL, ev(n, "consult", "c1", seconds, agent=agent, outcome=outcome)).json()


def test_the_colleague_is_reserved_then_takes_the_caller_counted_once(desk):
    op, edge = desk["op"], desk["edge"]
    clock.SERVER.follow(T0 + timedelta(seconds=30))
    assert _consult(op, to_agent="expert").status_code == 202
    assert state("expert") == ("ringing", "c1")  # reserved: no dispatch rings them
    assert Call.objects.get(call_id="c1").consulted.user.username == "expert"
    # A caller of the psychologists arrives meanwhile: nobody free to ring for them.
    offered = ev("o2", "call_offered", "c2", 31, line="we-are-together", ivr_path="3",
                 centre="nat")  # fmt: skip
    assert edge.post(URL, offered).json()["rung"] == []
    (taken,) = edge.post(CLAIM, {"call_ids": ["c1"]}).json()
    assert (taken["step"], taken["to_agent"], taken["to_number"]) == ("consult", "expert", "")
    assert _told(edge, "k1", 33, "answered")["outcome"] == ""
    assert state("expert") == ("on_call", "c1")
    assert _end(op, True).status_code == 202
    (done,) = edge.post(CLAIM, {"call_ids": ["c1"]}).json()
    assert (done["step"], done["to_agent"]) == ("complete", "expert")
    # The node put the caller through: the call is the colleague's from now on.
    put = ev("t1", "call_transferred", "c1", 90, to_agent="expert", warm=True)
    assert edge.post(URL, put).json()["call"]["agent"] == "expert"
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.agent.user.username, call.consulted) == ("answered", "expert", None)
    assert call.folded["summary"]["transfers"] == 1
    assert call.folded["summary"]["agents"] == [op.user.username, "expert"]
    assert state(op.user.username) == ("wrap_up", None)
    assert state("expert") == ("on_call", "c1")
    edge.post(URL, ev("e1", "call_ended", "c1", 200))
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.talk_seconds, call.agent.user.username) == ("ended", 195.0, "expert")
    assert state("expert") == ("wrap_up", None)
    (contact,) = Contact.objects.filter(call_id="c1")
    assert contact.operator.username == "expert"
    steps = AgentStateChange.objects.filter(agent__user__username="expert").order_by("pk")
    assert [(s.kind, s.call.call_id) for s in steps] == [
        ("ring", "c1"), ("answer", "c1"), ("hang_up", "c1"),
    ]  # fmt: skip


def test_back_to_the_caller_frees_the_colleague_at_once(desk):
    op, edge = desk["op"], desk["edge"]
    assert _consult(op, to_agent="expert").status_code == 202
    edge.post(CLAIM, {"call_ids": ["c1"]})
    _told(edge, "k1", 20, "answered")
    assert _end(op, False).status_code == 202
    (back,) = edge.post(CLAIM, {"call_ids": ["c1"]}).json()
    assert (back["step"], back["to_agent"]) == ("return", "expert")
    answer = _told(edge, "k2", 40, "over")
    # Free at once (no wrap-up: the caller is not theirs), so the dispatch ran.
    assert state("expert") == ("available", None)
    assert answer["outcome"] == ""
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.agent.user.username, call.consulted) == (
        "answered", op.user.username, None,
    )  # fmt: skip
    assert state(op.user.username) == ("on_call", "c1")
    # The node's copy of the same word, or a late one, changes nothing.
    assert _told(edge, "k3", 41, "over")["outcome"] == "no consultation on this call"
    assert _consult(op, to_agent="expert").status_code == 202  # consulted again


def test_given_back_while_their_phone_still_rings_the_colleague_is_free(desk):
    op, edge = desk["op"], desk["edge"]
    _consult(op, to_agent="expert")
    edge.post(CLAIM, {"call_ids": ["c1"]})
    _end(op, False)
    _told(edge, "k1", 15, "over")
    assert state("expert") == ("available", None)
    kinds = AgentStateChange.objects.filter(agent__user__username="expert")
    assert list(kinds.order_by("pk").values_list("kind", flat=True)) == ["ring", "caller_gone"]


def test_a_colleague_busy_or_not_answering_leaves_the_caller_with_the_first_agent(desk):
    op, edge = desk["op"], desk["edge"]
    _consult(op, to_agent="expert")
    edge.post(CLAIM, {"call_ids": ["c1"]})
    # As after any call they let ring out: not ready (they are probably away).
    _told(edge, "k1", 40, "failed")
    assert state("expert") == ("not_ready", None)
    call = Call.objects.get(call_id="c1")
    assert (call.agent.user.username, call.consulted, call.state) == (
        op.user.username, None, "answered",
    )  # fmt: skip
    assert state(op.user.username) == ("on_call", "c1")
    assert _told(edge, "k2", 41, "over")["outcome"] == "no consultation on this call"
    assert state("expert") == ("not_ready", None)


@pytest.mark.parametrize("claimed", [True, False])
def test_the_caller_hanging_up_during_the_consultation_frees_the_colleague(desk, claimed):
    """Talking to the colleague, or before the node even took the order."""
    op, edge = desk["op"], desk["edge"]
    _consult(op, to_agent="expert")
    if claimed:
        edge.post(CLAIM, {"call_ids": ["c1"]})
        _told(edge, "k1", 20, "answered")
    edge.post(URL, ev("e1", "call_ended", "c1", 60))
    assert state("expert") == ("available", None)
    assert state(op.user.username) == ("wrap_up", None)
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.agent.user.username, call.consulted) == (
        "ended", op.user.username, None,
    )  # fmt: skip
    assert Contact.objects.filter(call_id="c1").count() == 1


def test_a_reservation_no_node_took_in_time_is_freed(desk):
    op, edge = desk["op"], desk["edge"]
    clock.SERVER.follow(T0 + timedelta(seconds=10))
    _consult(op, to_agent="expert")
    clock.SERVER.follow(T0 + timedelta(seconds=39))
    assert edge.post(CLAIM, {"call_ids": []}).json() == []
    assert state("expert") == ("ringing", "c1")  # 29 s: it may still be taken
    clock.SERVER.follow(T0 + timedelta(seconds=41))
    assert edge.post(CLAIM, {"call_ids": ["c1"]}).json() == []  # never carried out late
    assert state("expert") == ("available", None)
    assert Call.objects.get(call_id="c1").consulted is None


def test_two_consultations_of_one_colleague_one_is_refused(desk, api_as):
    op, edge = desk["op"], desk["edge"]
    other = api_as("operator")
    _agent(other.user, desk["centre"], {"general": 1})
    offered = ev("o2", "call_offered", "c2", 10, line="we-are-together", ivr_path="1",
                 centre="nat")  # fmt: skip
    assert edge.post(URL, offered).json()["call"]["agent"] == other.user.username
    edge.post(URL, ev("a2", "call_answered", "c2", 12, agent=other.user.username))
    assert _consult(op, to_agent="expert").status_code == 202
    refused = _consult(other, "c2", to_agent="expert")
    assert refused.status_code == 409
    assert "сейчас не свободен" in refused.json()["error"]["message"]
    assert TransferOrder.objects.filter(call__call_id="c2").count() == 0
    assert state("expert") == ("ringing", "c1")


def test_a_busy_colleague_or_oneself_cannot_be_consulted(desk):
    op = desk["op"]
    Agent.objects.filter(user__username="expert").update(state="on_call")
    busy = _consult(op, to_agent="expert")
    assert busy.status_code == 409 and "консультация невозможна" in busy.json()["error"]["message"]
    assert _consult(op, to_agent=op.user.username).status_code == 422
    assert _consult(op, to_agent="nobody").status_code == 422
    assert not TransferOrder.objects.exists()


def test_a_consultation_of_a_queue_reserves_the_routers_choice_or_is_refused(desk):
    op, edge, centre = desk["op"], desk["edge"], desk["centre"]
    make_user = desk["make_user"]
    # Longest idle first, as the router gives a call: «older» waited longer than «expert».
    _agent(make_user("older"), centre, {"psy": 1}, idle_since=T0 - timedelta(hours=1))
    _agent(make_user("unskilled"), centre, {"general": 5}, idle_since=T0 - timedelta(hours=2))
    assert _consult(op, to_queue="psy").status_code == 202
    assert state("older") == ("ringing", "c1") and state("expert") == ("available", None)
    (taken,) = edge.post(CLAIM, {"call_ids": ["c1"]}).json()
    assert (taken["to_queue"], taken["to_agent"]) == ("psy", "older")
    _end(op, True)
    edge.post(CLAIM, {"call_ids": ["c1"]})
    put = ev("t1", "call_transferred", "c1", 60, to_agent="older", to_queue="psy", warm=True)
    edge.post(URL, put)
    call = Call.objects.get(call_id="c1")
    assert (call.agent.user.username, call.queue.code) == ("older", "psy")
    assert state("older") == ("on_call", "c1")  # answered by the transfer itself
    assert state(op.user.username) == ("wrap_up", None)


def test_a_consultation_of_a_queue_nobody_is_free_in_is_refused(desk):
    Agent.objects.filter(user__username="expert").update(state="on_break")
    refused = _consult(desk["op"], to_queue="psy")
    assert refused.status_code == 409
    assert "нет свободного оператора" in refused.json()["error"]["message"]
    assert not TransferOrder.objects.exists()
    assert Call.objects.get(call_id="c1").consulted is None


def test_an_agent_whose_wrap_up_is_over_may_be_consulted(desk):
    op = desk["op"]
    Agent.objects.filter(user__username="expert").update(
        state="wrap_up", wrap_up_until=T0 - timedelta(seconds=1)
    )
    assert _consult(op, to_agent="expert").status_code == 202
    kinds = AgentStateChange.objects.filter(agent__user__username="expert")
    assert list(kinds.order_by("pk").values_list("kind", flat=True)) == ["wrap_done", "ring"]
    assert state("expert") == ("ringing", "c1")


def test_the_toolbar_consults_a_colleague_or_a_queue_and_shows_both_sides(desk, client):
    op, edge = desk["op"], desk["edge"]
    client.force_login(op.user)
    page = client.get("/contactcenter/toolbar/").content.decode()
    assert 'value="consult_agent"' in page and 'value="consult_queue"' in page
    assert '<option value="expert">' in page  # free now: offered as the target is typed
    Agent.objects.filter(user__username="expert").update(state="on_break")
    refused = client.post("/contactcenter/toolbar/transfer/",
                          {"call": "c1", "kind": "consult_queue", "target": "psy"})  # fmt: skip
    assert "нет свободного оператора" in refused.content.decode()
    Agent.objects.filter(user__username="expert").update(state="available")
    asked = client.post("/contactcenter/toolbar/transfer/",
                        {"call": "c1", "kind": "consult_agent", "target": "expert"})  # fmt: skip
    assert "вызываем оператора expert" in asked.content.decode()
    edge.post(CLAIM, {"call_ids": ["c1"]})
    _told(edge, "k1", 20, "answered")
    page = client.get("/contactcenter/toolbar/").content.decode()
    assert "Консультация с оператором expert" in page and "Соединить" in page
    client.force_login(Agent.objects.get(user__username="expert").user)
    theirs = client.get("/contactcenter/toolbar/").content.decode()
    assert "Коллега консультируется с вами" in theirs and "Перевести" not in theirs
    client.force_login(op.user)
    done = client.post("/contactcenter/toolbar/consultation/", {"call": "c1", "complete": "1"})
    assert "Соединяем абонента с оператором expert" in done.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_consultations_and_a_dispatch_at_once_get_the_colleague_once(desk, api_as):
    """Two operators consult «expert» while a dispatch could ring them for a caller of
    their queue, all at the same moment: one of the three has them, the others are
    refused or ring nobody."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    op, edge = desk["op"], desk["edge"]
    other = api_as("operator")
    _agent(other.user, desk["centre"], {"general": 1})
    offered = ev("o2", "call_offered", "c2", 10, line="we-are-together", ivr_path="1",
                 centre="nat")  # fmt: skip
    edge.post(URL, offered)
    edge.post(URL, ev("a2", "call_answered", "c2", 12, agent=other.user.username))
    Call.objects.create(  # a caller of the psychologists, not yet dispatched
        call_id="c3", line=Line.objects.get(code="we-are-together"), centre=desk["centre"],
        queue=Queue.objects.get(code="psy"), offered_at=T0 + timedelta(seconds=13),
    )  # fmt: skip
    barrier, outcomes = threading.Barrier(3), []

    def run(work):
        try:
            barrier.wait()
            outcomes.append(work())
        except ServiceError as refused:
            outcomes.append(refused.message)
        finally:
            connection.close()

    def consult(user, call_id):
        return lambda: (
            transferorders.ask(
                user=user, call_id=call_id, to_agent="expert", consult=True
            ).call.call_id
        )

    works = [consult(op.user, "c1"), consult(other.user, "c2"), lambda: dispatch().rung]
    threads = [threading.Thread(target=run, args=(w,)) for w in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expert = Agent.objects.get(user__username="expert")
    rings = AgentStateChange.objects.filter(agent=expert, kind="ring")
    assert rings.count() == 1 and expert.state == "ringing", outcomes
    given = TransferOrder.objects.count() + Call.objects.filter(agent=expert).count()
    assert given == 1, outcomes
    assert sum("сейчас не свободен" in str(o) for o in outcomes) >= 1
