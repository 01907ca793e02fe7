"""`vmeste worker` in real processes: the schedule, and a job killed with SIGKILL halfway."""

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from vmeste.privacy import schedule
from vmeste.privacy.models import ScheduledJob
from vmeste.privacy.tests.sites import Sites

SCRIPT = "vmeste.privacy.tests.site_script"


@pytest.fixture(scope="module")
def sites(tmp_path_factory, django_db_blocker):
    with django_db_blocker.unblock():
        made = Sites(tmp_path_factory.mktemp("sites"))
    yield made
    made.close()


RETENTION = (schedule.job("enforce_retention"),)


@pytest.mark.django_db
def test_a_job_is_enqueued_once_per_period():
    now = datetime(2026, 12, 5, 12, 10, tzinfo=UTC)
    assert schedule.tick(now=now, jobs=RETENTION) == ["enforce_retention"]
    assert schedule.tick(now=now + timedelta(minutes=40), jobs=RETENTION) == []
    assert schedule.tick(now=now + timedelta(minutes=50), jobs=RETENTION) == ["enforce_retention"]
    assert DBTaskResult.objects.count() == 2
    assert ScheduledJob.objects.get().last_slot == schedule.slot_of(
        now + timedelta(hours=1), timedelta(hours=1)
    )
    last = DBTaskResult.objects.order_by("enqueued_at").last()
    assert (last.args_kwargs["args"], last.task_path) == (
        ["enforce_retention", "2026-12-05T13:00:00+00:00"],
        "vmeste.privacy.tasks.run_job",
    )


@pytest.mark.django_db
def test_a_job_whose_function_is_not_installed_is_skipped():
    missing = schedule.Periodic("nothing", "vmeste.privacy.nowhere.nothing", timedelta(hours=1))
    now = datetime(2026, 12, 5, 12, 10, tzinfo=UTC)
    assert schedule.tick(now=now, jobs=(missing, *RETENTION)) == ["enforce_retention"]


# The worker closes and reopens its connection between tasks, as it does in production: no
# test transaction around it.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_what_is_due(make_user):
    from django.core.management import call_command

    from vmeste.accounts.models import AuditEntry

    user = make_user("op-1")
    old = AuditEntry.objects.create(user=user, action="view", object_type="person", object_id="1")
    AuditEntry.objects.filter(pk=old.pk).update(at=datetime(2020, 1, 1, tzinfo=UTC))
    call_command("worker", "--once")
    assert not AuditEntry.objects.exists()
    runs = {r.args_kwargs["args"][0]: r for r in DBTaskResult.objects.all()}
    assert set(runs) == {j.name for j in schedule.JOBS if j.installed()}
    assert {r.status for r in runs.values()} == {"SUCCESSFUL"}
    assert runs["enforce_retention"].return_value["audit"] == 1


def test_a_job_killed_halfway_and_run_again_leaves_the_same_result(sites):
    whole, killed = sites.copy("whole"), sites.copy("killed")
    for site in (whole, killed):
        site.run("-m", SCRIPT, "seed")
    before = json.loads(killed.run("-m", SCRIPT, "dump").stdout)

    whole.run("-m", SCRIPT, "work", "1")
    dying = killed.run("-m", SCRIPT, "work", "1", "8", check=False)
    assert dying.returncode == -9, dying.stderr[-2000:]

    halfway = json.loads(killed.run("-m", SCRIPT, "dump").stdout)
    expected = json.loads(whole.run("-m", SCRIPT, "dump").stdout)
    # Killed between the contacts (all done) and the requests (some done, the batch in hand
    # rolled back), before the persons.
    assert halfway["contacts"] == expected["contacts"] != before["contacts"]
    assert before["requests"] != halfway["requests"] != expected["requests"]
    assert halfway["persons"] == before["persons"] != expected["persons"]

    killed.run("-m", SCRIPT, "work", "2")  # the next period's run
    assert json.loads(killed.run("-m", SCRIPT, "dump").stdout) == expected


@pytest.mark.django_db
def test_task_results_are_pruned(make_user):
    now = datetime(2026, 12, 5, 12, 10, tzinfo=UTC)
    schedule.tick(now=now - timedelta(days=10), jobs=RETENTION)
    schedule.tick(now=now - timedelta(days=2), jobs=RETENTION)
    schedule.tick(now=now, jobs=RETENTION)
    old, abandoned, fresh = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(pk=old.pk).update(
        status="SUCCESSFUL", finished_at=now - timedelta(days=8)
    )
    DBTaskResult.objects.filter(pk=abandoned.pk).update(
        status="RUNNING", started_at=now - timedelta(days=2)
    )
    assert schedule.prune_task_results(now=now) == 2
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_the_worker_serves_until_told_to_stop(sites):
    site = sites.copy("service")
    worker = subprocess.Popen(
        [sys.executable, "-m", "vmeste", "worker", "--interval", "0.2"],
        env=site.env,
        cwd=site.env["PYTHONPATH"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        done = []
        for _ in range(120):
            done = json.loads(site.run("-m", SCRIPT, "tasks").stdout)
            if ["enforce_retention", "SUCCESSFUL"] in done:
                break
            time.sleep(0.5)
        assert ["enforce_retention", "SUCCESSFUL"] in done, done
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, worker.stderr.read()[-2000:]
    finally:
        worker.kill()
