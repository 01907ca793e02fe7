"""When every media node is gone nobody beats: ``vmeste worker``'s sweep (``ringwatch.sweep``,
every 30 s) ends the answered calls of the nodes not heard from for
``MEDIA_NODE_ALL_GONE_SECONDS`` while it swept all along, and takes back the rings nobody
reported. The server's clock is fixed (``clock``); the sweeps are called at given moments,
as the worker's schedule would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from vmeste.contactcenter import nodewatch, ringwatch
from vmeste.contactcenter.models import Call, MediaNode, TelephonyEvent
from vmeste.contactcenter.tests import clock
from vmeste.contactcenter.tests.test_nodewatch import (
    GONE,
    N1,
    N2,
    answered,
    answered_long_ago,
    beat,
    ended_by_watch,
    every,
    hang_ups,
    state,
)
from vmeste.contactcenter.tests.test_ringwatch import (
    T0,
    agent,
    at_once,
    free,
    offer,
    taken_back,
    two_agents,
)
from vmeste.privacy import schedule

LIMIT = 300
SWEPT_SINCE = T0 - timedelta(minutes=1)  # the worker was running before the calls


@pytest.fixture
def world(db, make_user, api_as, settings, server_clock):
    settings.MEDIA_NODE_LOST_SECONDS = 30
    settings.MEDIA_NODE_MISSING_SECONDS = 10
    settings.MEDIA_NODE_ALL_GONE_SECONDS = LIMIT
    settings.CALLBACK_PLACE_SECONDS = 60
    return two_agents(make_user, api_as)


def sweep(at):
    clock.SERVER.follow(at)
    return ringwatch.sweep(now=at)


def sweeps(start, until):
    """The worker's sweeps every 30 s from ``start`` to ``until`` (included)."""
    for at in every(start, until, 30):
        sweep(at)


def both_talking(phone):
    """c1 answered by «a» through N1, c2 by «b» through N2; each node's heartbeat lists
    its call at T0 + 6 s, their last word."""
    answered(phone, "c1", "a", T0, node=N1)
    answered(phone, "c2", "b", T0, node=N2)
    beat(phone, T0 + timedelta(seconds=6), N1, ["c1"])
    beat(phone, T0 + timedelta(seconds=6), N2, ["c2"])


def test_every_node_gone_has_its_calls_ended_once_past_the_long_limit(world):
    phone = world
    sweeps(SWEPT_SINCE, T0)
    both_talking(phone)
    # Nobody beats any more. Heard last at T0 + 6 s: within the limit until T0 + 306 s.
    sweeps(T0, T0 + timedelta(seconds=LIMIT))
    assert sweep(T0 + timedelta(seconds=LIMIT + 6)) == {"ended": 0, "taken_back": 0}
    assert state("c1") == ("answered", "a") and state("c2") == ("answered", "b")
    late = T0 + timedelta(seconds=LIMIT + 7)
    assert sweep(late) == {"ended": 2, "taken_back": 0}
    for call, name, node in (("c1", "a", N1), ("c2", "b", N2)):
        ended = Call.objects.get(call_id=call)
        assert (ended.state, ended.ended_at) == ("ended", late)
        a = agent(name)
        assert (a.state, a.call_id) == ("wrap_up", None)
        assert hang_ups(name) == [("wrap_up", GONE)]
        assert TelephonyEvent.objects.get(
            event_id__startswith=nodewatch.EVENT_PREFIX, call_id=call
        ).data == {"reason": GONE, "lost": node}
    # The next sweeps change nothing, and forget the nodes (none of their calls is left).
    assert sweep(late + timedelta(seconds=30)) == {"ended": 0, "taken_back": 0}
    assert ended_by_watch() == 2 and hang_ups("a") == [("wrap_up", GONE)]
    assert list(MediaNode.objects.values_list("name", flat=True)) == [nodewatch.WATCHER]


def test_two_workers_finding_it_at_once_end_it_once(world):
    phone = world
    sweeps(SWEPT_SINCE, T0)
    both_talking(phone)
    late = T0 + timedelta(seconds=LIMIT + 10)
    sweeps(T0, late - timedelta(seconds=30))
    clock.SERVER.follow(late)
    first, second = nodewatch.swept(now=late), nodewatch.swept(now=late)
    assert (
        first
        == second
        == nodewatch.Swept(
            [nodewatch.Lost("c1", N1, GONE), nodewatch.Lost("c2", N2, GONE)], all_gone=True
        )
    )
    assert [nodewatch.end(f, now=late)["duplicate"] for f in first.lost] == [False, False]
    assert [nodewatch.end(f, now=late)["duplicate"] for f in second.lost] == [True, True]
    assert ended_by_watch() == 2 and hang_ups("b") == [("wrap_up", GONE)]


def test_a_node_that_beats_again_keeps_its_calls(world):
    phone = world
    sweeps(SWEPT_SINCE, T0)
    both_talking(phone)
    # N1 gets one heartbeat through meanwhile (the web server back a moment); N2 none.
    back = T0 + timedelta(seconds=200)
    beat(phone, back, N1, ["c1"])
    sweeps(T0, T0 + timedelta(seconds=LIMIT + 30))
    assert state("c1") == ("answered", "a") and state("c2") == ("ended", "b")
    assert hang_ups("a") == []
    # N1 silent from then on: gone the long limit after its own last word.
    sweeps(T0 + timedelta(seconds=LIMIT + 30), back + timedelta(seconds=LIMIT))
    assert state("c1") == ("answered", "a")
    sweep(back + timedelta(seconds=LIMIT + 1))
    assert state("c1") == ("ended", "a") and hang_ups("a") == [("wrap_up", GONE)]


def test_a_worker_that_was_not_running_waits_the_limit_itself(world):
    phone = world
    both_talking(phone)
    sweeps(T0, T0 + timedelta(seconds=120))
    # The worker (Vmeste) away 10 minutes: on its return the nodes may be there, not yet
    # heard; its run of sweeps begins anew.
    back = T0 + timedelta(minutes=12)
    sweeps(back, back + timedelta(seconds=LIMIT - 1))
    assert state("c1") == ("answered", "a") and ended_by_watch() == 0
    sweep(back + timedelta(seconds=LIMIT))
    assert state("c1") == ("ended", "a") and state("c2") == ("ended", "b")


def test_a_node_lost_between_the_others_heartbeats_is_found_by_the_sweep(world):
    phone = world
    answered(phone, "c1", "a", T0, node=N1)
    beat(phone, T0 + timedelta(seconds=6), N1, ["c1"])
    for at in every(T0, T0 + timedelta(seconds=35), 5):
        beat(phone, at, N2, [])
    # No heartbeat since T0 + 35 s: the sweep runs the short rule (N2 heard all along).
    sweep(T0 + timedelta(seconds=37))
    assert state("c1") == ("ended", "a") and hang_ups("a") == [("wrap_up", GONE)]


def test_a_ring_nobody_reports_is_taken_back_once_every_node_is_gone(world):
    phone = world
    sweeps(SWEPT_SINCE, T0)
    beat(phone, T0, N1, [])
    free("a", T0 - timedelta(minutes=1))
    offer(phone, "c1", T0 + timedelta(seconds=1))  # rung to «a» in the answer to N1
    assert state("c1") == ("ringing", "a")
    # Past the ring's limit, but a node may yet be alive and cut off: the sweep waits.
    sweeps(T0, T0 + timedelta(seconds=LIMIT))
    assert state("c1") == ("ringing", "a") and taken_back("a") == []
    # Every node gone: put back (given again in an answer nobody gets), then ended.
    sweep(T0 + timedelta(seconds=LIMIT + 1))
    assert taken_back("a") == [("ringing", "available")]
    sweeps(T0 + timedelta(seconds=LIMIT + 1), T0 + timedelta(seconds=LIMIT + 121))
    call = Call.objects.get(call_id="c1")
    assert (call.state, agent("a").state, agent("a").call_id) == ("abandoned", "available", None)


def test_while_a_node_beats_the_sweep_leaves_rings_to_the_heartbeat(world):
    phone = world
    sweeps(SWEPT_SINCE, T0)
    free("a", T0 - timedelta(minutes=1))
    offer(phone, "c1", T0 + timedelta(seconds=1))
    for at in every(T0 + timedelta(seconds=30), T0 + timedelta(seconds=LIMIT + 60), 30):
        clock.SERVER.follow(at)
        nodewatch.end_lost(now=at, node=N2, calls=[])  # N2's watch, without the rest
        sweep(at)
    assert state("c1") == ("ringing", "a") and taken_back("a") == []


def test_the_sweep_is_a_job_of_the_worker():
    job = schedule.job("sweep_media_nodes")
    assert (job.function(), job.every) == (ringwatch.sweep, timedelta(seconds=30))
    moments = [T0 + timedelta(seconds=s) for s in (0, 10, 29, 30, 59, 60)]
    slots = [schedule.slot_of(at, job.every) for at in moments]
    assert slots[:3] == [slots[0]] * 3 and slots[3:5] == [slots[0] + 1] * 2
    assert slots[5] == slots[0] + 2


def gone_for_long(make_user, settings):
    """c1 answered through N1, heard last 10 minutes before T0, while the worker swept all
    along (its last sweep 30 s before): committed rows, for the worker's own connection."""
    settings.MEDIA_NODE_ALL_GONE_SECONDS = LIMIT
    since = T0 - timedelta(minutes=10)
    answered_long_ago(make_user, since)
    MediaNode.objects.create(name=N1, seen_at=since, beating_since=since)
    MediaNode.objects.create(name=nodewatch.WATCHER, seen_at=T0 - timedelta(seconds=30),
                             beating_since=since)  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_worker_once_ends_the_calls_of_every_node_gone(make_user, settings, server_clock):
    gone_for_long(make_user, settings)
    server_clock.follow(T0)
    call_command("worker", "--once")
    run = DBTaskResult.objects.get(args_kwargs__args__0="sweep_media_nodes")
    assert (run.status, run.return_value) == ("SUCCESSFUL", {"ended": 1, "taken_back": 0})
    assert state("c1") == ("ended", "a") and hang_ups("a") == [("wrap_up", GONE)]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_on_postgresql_end_it_once(make_user, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections at once")
    gone_for_long(make_user, settings)
    answers = at_once(lambda: ringwatch.sweep(now=T0))
    assert sorted(a["ended"] for a in answers) == [0, 1]
    assert ended_by_watch() == 1 and hang_ups("a") == [("wrap_up", GONE)]
