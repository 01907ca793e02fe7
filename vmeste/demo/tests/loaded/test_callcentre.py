"""The demo's contact centre: queues per line and voice-menu branch, the demo operators
signed in as agents, today's calls each one contact, and a live moment the router agrees
with (it rings nobody) and the wallboard shows, kept to the lines' hours. Loaded at
``MOMENT``, an afternoon when every line is open (the night is `test_demo_at_night.py`)."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from vmeste.accounts.models import User
from vmeste.contactcenter.models import Call
from vmeste.contactcenter.services import centre_zone, today_start
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre, Line
from vmeste.demo import callcentre, cast
from vmeste.demo.tests.loaded.conftest import MOMENT

pytestmark = pytest.mark.django_db


def test_contact_centre_queues_per_line_and_ivr_branch():
    from vmeste.contactcenter.models import Queue

    queues = Queue.objects.select_related("line")
    lines = {q.line.code for q in queues}
    assert lines == {c for centre in cast.CENTRES for c in centre.lines}  # every demo line
    national = {q.ivr_path for q in queues if q.line.code == "we-are-together"}
    assert len(national) >= 5  # the national line's IVR menu
    for queue in queues:
        assert (queue.target_share, queue.target_seconds) == (Decimal("0.80"), 20)
        assert queue.max_wait_seconds and queue.overflow_after_seconds  # callback, overflow
        assert {"age_60_plus", "critical"} <= set(queue.priority_rules)
        queue.full_clean()  # escalation steps and priority rules as the admin would save them
    assert len({(q.line_id, q.ivr_path) for q in queues}) == queues.count()


def test_demo_operators_are_signed_in_agents_of_their_centres():
    from vmeste.contactcenter.models import Agent

    agents = {a.user.username: a for a in Agent.objects.select_related("user__centre", "centre")}
    assert all(line.is_open(MOMENT) for line in Line.objects.all())  # nobody sent home
    planned = _planned_states(MOMENT)
    for spec in cast.USERS:
        if spec.answers_calls:
            agent = agents[spec.username]
            assert agent.centre == agent.user.centre and agent.skills
            assert agent.state == planned[spec.username] != "offline", spec.username
    states = {a.state for a in agents.values()}
    assert {"available", "on_call", "wrap_up", "on_break", "not_ready"} <= states
    assert all(a.break_reason for a in agents.values() if a.state == "on_break")
    for agent in agents.values():  # each one's timeline ends in the state they are in
        last = agent.events.order_by("at", "pk").last()
        assert (last is None and agent.state == "offline") or last.to_status == agent.state


def test_todays_calls_are_the_months_phone_contacts_each_one_contact():
    from vmeste.contactcenter.models import Call

    calls = Call.objects.select_related("agent__user", "queue")
    assert calls.filter(state="waiting").exists() and calls.filter(state="answered").exists()
    contacts = {
        c.call_id: c for c in Contact.objects.filter(call_id__in=[c.call_id for c in calls])
    }
    assert set(contacts) == {c.call_id for c in calls}  # every call is exactly one contact
    for call in calls:
        contact = contacts[call.call_id]
        assert contact.line_id == call.line_id and contact.queue_code == call.queue.code
        assert contact.ivr_path == call.ivr_path == call.queue.ivr_path
        if call.state in ("ended", "answered"):
            assert call.agent is None or contact.operator == call.agent.user
    on_call = calls.filter(state="answered")
    holders = [c.agent_id for c in on_call]
    assert len(holders) == len(set(holders))  # nobody holds two calls
    for call in on_call:
        assert call.agent.state == "on_call" and call.agent.call_id == call.pk


def test_the_live_moment_is_one_the_router_agrees_with_and_the_wallboard_shows():
    """Nobody free may take a waiting call (the dispatch, run at the load's moment — before
    the wrap-ups under way end — rings nobody), and the supervisor's wallboard has something
    to show: waiting callers, today's figures, agents."""
    from vmeste.contactcenter.dispatch import dispatch
    from vmeste.contactcenter.services import wallboard

    with transaction.atomic():
        assert dispatch(now=MOMENT).rung == []
        transaction.set_rollback(True)
    now = timezone.now()  # the package's clock: minutes after the load, the same afternoon
    board = wallboard(user=User.objects.get(username="supervisor"), now=now)
    assert {c["centre"] for c in board["centres"]} == set(cast.CENTRE_CODES)
    lines = [line for c in board["centres"] for line in c["lines"]]
    # Every call offered since each centre's midnight, live ones included.
    offered = sum(
        Call.objects.filter(
            centre=centre,
            offered_at__gte=today_start(now, centre_zone(centre)),
            offered_at__lte=now,
        ).count()
        for centre in Centre.objects.select_related("region")
    )
    assert sum(line["offered_today"] for line in lines) == offered > 0
    assert all(line["service_level_today"] is not None for line in lines)
    agents = Counter()
    for centre in board["centres"]:
        agents.update({state: n for state, n in centre["agents"].items() if n})
    waiting = sum(line["waiting"] for line in lines)
    assert (waiting, agents) == _planned(MOMENT)  # as planned for the lines open at the load
    assert (waiting, agents["available"], agents["on_call"]) == (7, 3, 10)  # all lines open


def _planned_states(at) -> dict[str, str]:
    """Each demo agent's state at the live moment, by the lines open at `at`."""
    open_lines = {line.code for line in Line.objects.all() if line.is_open(at)}
    return {a.username: str(callcentre.live_state(a, open_lines)) for a in callcentre.AGENTS}


def _planned(at) -> tuple[int, Counter]:
    open_lines = {line.code for line in Line.objects.all() if line.is_open(at)}
    states = Counter(str(callcentre.live_state(a, open_lines)) for a in callcentre.AGENTS)
    return len(callcentre.live_waiting(open_lines)), states


@pytest.mark.parametrize(
    ("moscow_time", "waiting", "on_call"),
    # At night the Moscow volunteer line and the social coordinator are closed.
    [("12:00", 7, 10), ("03:00", 6, 6)],
)
def test_the_live_moment_keeps_to_the_lines_hours(moscow_time, waiting, on_call):
    hour, minute = map(int, moscow_time.split(":"))
    at = MOMENT.replace(hour=hour, minute=minute)  # MOMENT is Moscow's time: its day
    open_lines = {line.code for line in Line.objects.all() if line.is_open(at)}
    assert ("moscow-volunteers" in open_lines) == (hour == 12)
    live = callcentre.live_waiting(open_lines)
    assert len(live) == waiting
    assert all(callcentre.QUEUE_LINE[queue] in open_lines for queue, *_ in live)
    states = [callcentre.live_state(a, open_lines) for a in callcentre.AGENTS]
    assert states.count("on_call") == on_call
    assert all(
        callcentre.QUEUE_LINE[a.queue] in open_lines
        for a, state in zip(callcentre.AGENTS, states, strict=True)
        if state == "on_call"
    )


def test_the_national_line_has_the_seeds_ten_branches_matching_its_queues():
    from vmeste.contactcenter.models import IvrMenu, Queue

    menu = IvrMenu.objects.get(line__code="we-are-together")
    nodes = {node.code: node for node in menu.nodes.all()}
    branches = {o["digit"]: nodes[o["to"]] for o in nodes[menu.start].options}
    assert sorted(branches) == list("0123456789")
    assert {b.kind for b in branches.values()} == {
        "queue", "message", "robot", "callback", "menu"
    }  # fmt: skip
    # Each queue's IVR path is the digit that leads to it, as today's calls were counted.
    for queue in Queue.objects.filter(line__code="we-are-together"):
        assert branches[queue.ivr_path].queue == queue.code
    assert all(node.speech for node in nodes.values() if node.prompt)
