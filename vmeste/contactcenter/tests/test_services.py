"""Agents' states on their timeline, the routing configuration and the wallboard."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from vmeste.contactcenter import services
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.contactcenter.transitions import AgentEvent, AgentState
from vmeste.core.errors import Conflict, Forbidden
from vmeste.core.models import Centre, Line, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    line = Line.objects.get(code="we-are-together")
    vgg = Centre.objects.create(
        code="vgg",
        name_ru="Волгоград",
        kind=Centre.Kind.REGIONAL,
        region=Region.objects.get(code="RU-VGG"),
    )
    sam = Centre.objects.create(
        code="sam",
        name_ru="Самара",
        kind=Centre.Kind.REGIONAL,
        region=Region.objects.get(code="RU-SAM"),
    )
    nat = Centre.objects.create(code="nat", name_ru="Федеральный", kind=Centre.Kind.NATIONAL)
    queue = Queue.objects.create(
        line=line,
        code="food",
        name="Продукты",
        skill="general",
        ivr_path="1",
        escalation=[[0, 3], [30, 1]],
        priority_rules={"age_60_plus": 60, "critical": 300},
        max_wait_seconds=120,
        overflow_after_seconds=60,
    )
    return {"line": line, "vgg": vgg, "sam": sam, "nat": nat, "queue": queue}


def test_agent_states_follow_the_table_and_land_on_the_timeline(world, make_user):
    agent = Agent.objects.create(user=make_user("op"), centre=world["vgg"], skills={"general": 2})
    agent = services.change_agent_state(agent=agent, event=AgentEvent.SIGN_IN)
    agent = services.change_agent_state(agent=agent, event=AgentEvent.TAKE_BREAK, reason="обед")
    assert agent.state == AgentState.ON_BREAK and agent.break_reason == "обед"
    with pytest.raises(Conflict):
        services.change_agent_state(agent=agent, event=AgentEvent.ANSWER)
    agent = services.change_agent_state(agent=agent, event=AgentEvent.READY)
    assert agent.break_reason == ""
    assert [(c.from_status, c.to_status) for c in agent.events.all()] == [
        ("offline", "available"),
        ("available", "on_break"),
        ("on_break", "available"),
    ]


def test_queue_gives_the_router_its_rule_and_priority_credit(world):
    rule = world["queue"].rule()
    assert rule.skill == "general" and rule.escalation == ((0.0, 3), (30.0, 1))
    assert rule.overflow_after == 60 and rule.callback_after == 120
    assert world["queue"].priority_for({"age_60_plus", "critical"}) == 360
    rules, topology = services.routing_configuration()
    assert [r.code for r in rules] == ["food"]
    assert topology == {"vgg": ("nat",), "sam": ("nat",), "nat": ("sam", "vgg")}


def test_wallboard_counts_per_centre_and_line(world, make_user):
    now = timezone.now().replace(hour=12, minute=0)
    line, vgg, queue = world["line"], world["vgg"], world["queue"]

    def call(n, state, *, minutes_ago, within=False, answered=False):
        return Call.objects.create(
            call_id=f"c{n}",
            line=line,
            centre=vgg,
            queue=queue,
            state=state,
            offered_at=now - timedelta(minutes=minutes_ago),
            answered_at=now if answered else None,
            answered_within_target=within,
        )

    call(1, Call.State.WAITING, minutes_ago=2)
    call(2, Call.State.WAITING, minutes_ago=1)
    call(3, Call.State.ENDED, minutes_ago=30, within=True, answered=True)
    call(4, Call.State.ENDED, minutes_ago=20, answered=True)
    call(5, Call.State.ABANDONED, minutes_ago=10)
    call(6, Call.State.ENDED, minutes_ago=60 * 24 + 5, within=True, answered=True)  # yesterday
    for i, state in enumerate(["available", "available", "on_call", "on_break"]):
        Agent.objects.create(user=make_user(f"op{i}"), centre=vgg, state=state)
    supervisor = make_user("boss", "supervisor")
    board = services.wallboard(user=supervisor, now=now)
    (centre,) = board["centres"]
    assert centre["agents"]["available"] == 2 and centre["agents"]["on_break"] == 1
    assert centre["centre_name"] == vgg.name_ru
    (row,) = centre["lines"]
    assert row["line_name"] == line.name_ru
    assert row["waiting"] == 2 and row["longest_wait_seconds"] == 120
    assert row["offered_today"] == 5 and row["abandoned_today"] == 1
    assert row["service_level_today"] == pytest.approx(1 / 5)


def test_wallboard_is_scoped_and_needs_figures(world, make_user):
    now = timezone.now()
    Call.objects.create(
        call_id="s1",
        line=world["line"],
        centre=world["sam"],
        state=Call.State.WAITING,
        offered_at=now,
    )
    Call.objects.create(
        call_id="v1",
        line=world["line"],
        centre=world["vgg"],
        state=Call.State.WAITING,
        offered_at=now,
    )
    volgograd = make_user("vgg-boss", "supervisor", regions=["RU-VGG"])
    board = services.wallboard(user=volgograd, now=now)
    assert [c["centre"] for c in board["centres"]] == ["vgg"]
    with pytest.raises(Forbidden):
        services.wallboard(user=make_user("op", "operator"))


def test_wallboard_endpoint(world, api_as):
    cache.clear()
    api = api_as("supervisor")
    Call.objects.create(
        call_id="x",
        line=world["line"],
        centre=world["nat"],
        state=Call.State.WAITING,
        offered_at=timezone.now(),
    )
    response = api.get("/api/v1/contactcenter/wallboard")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["centres"][0]["lines"][0]["waiting"] == 1
    assert body["centres"][0]["lines"][0]["line_name"] == world["line"].name_ru
    # The names and the definition in the viewer's language; the codes stay.
    with translation.override("en"):
        english = services.wallboard(user=api.user)
    (line,) = english["centres"][0]["lines"]
    assert world["line"].name_en and line["line_name"] == world["line"].name_en
    assert line["line"] == world["line"].code
    assert english["service_level_definition"] != body["service_level_definition"]
    assert api_as("operator").get("/api/v1/contactcenter/wallboard").status_code == 403


def test_wallboard_today_is_each_centres_own_day_around_midnight(world, make_user):
    """20:30 UTC: it is already tomorrow in Samara (UTC+4, 00:30) and still today in
    Volgograd and Moscow (UTC+3, 23:30). A call at 19:50 UTC is yesterday's in Samara and
    today's in Volgograd; the national centre (no region) keeps the installation's zone."""
    utc = ZoneInfo("UTC")
    now = datetime(2026, 4, 1, 20, 30, tzinfo=utc)
    line = world["line"]
    calls = [("sam", 19, 50), ("sam", 20, 10), ("vgg", 19, 50), ("vgg", 20, 10),
             ("vgg", 20, 1), ("nat", 20, 0), ("nat", 20, 29)]  # fmt: skip
    for n, (centre, hour, minute) in enumerate(calls):
        Call.objects.create(
            call_id=f"m{n}",
            line=line,
            centre=world[centre],
            state=Call.State.ENDED,
            offered_at=datetime(2026, 4, 1, hour, minute, tzinfo=utc),
        )
    Call.objects.create(  # yesterday in Volgograd: 20:59 UTC on 31 March is 23:59 there
        call_id="old", line=line, centre=world["vgg"], state=Call.State.ENDED,
        offered_at=datetime(2026, 3, 31, 20, 59, tzinfo=utc),
    )  # fmt: skip
    board = services.wallboard(user=make_user("boss", "supervisor"), now=now)
    offered = {c["centre"]: c["lines"][0]["offered_today"] for c in board["centres"]}
    zones = {c["centre"]: c["time_zone"] for c in board["centres"]}
    assert offered == {"sam": 1, "vgg": 3, "nat": 2}
    assert zones == {"sam": "Europe/Samara", "vgg": "Europe/Volgograd", "nat": "Europe/Moscow"}
    # An hour later Moscow's midnight has passed too: Volgograd and the national centre
    # start a new day with no calls in it (so no line rows), Samara keeps its one.
    later = services.wallboard(user=make_user("boss2", "supervisor"), now=now + timedelta(hours=1))
    assert {c["centre"]: c["lines"][0]["offered_today"] for c in later["centres"]} == {"sam": 1}


# Of 5 calls against a 70 % target: 80 % is good, 60 % within the 10-point band a warning,
# 40 % bad.
@pytest.mark.parametrize(("within", "status"), [(4, "good"), (3, "warning"), (2, "bad")])
def test_wallboard_sets_the_service_level_against_the_target(world, make_user, within, status):
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    Queue.objects.filter(pk=world["queue"].pk).update(target_share="0.70", target_seconds=15)
    for n in range(5):
        Call.objects.create(
            call_id=f"t{n}",
            line=world["line"],
            centre=world["vgg"],
            queue=world["queue"],
            state=Call.State.ENDED,
            offered_at=now - timedelta(minutes=5 + n),
            answered_at=now,
            answered_within_target=n < within,
        )
    board = services.wallboard(user=make_user("boss", "supervisor"), now=now)
    (centre,) = board["centres"]
    (row,) = centre["lines"]
    assert (row["target_share"], row["target_seconds"]) == (0.70, 15)
    assert row["service_level_status"] == status
    assert centre["local_time"] == now.astimezone(ZoneInfo("Europe/Volgograd")).strftime("%H:%M")
