"""`vmeste worker` in real processes: the schedule, and a job killed with SIGKILL halfway."""

import json
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


@pytest.mark.django_db
def test_a_job_is_enqueued_once_per_period():
    now = datetime(2026, 12, 5, 12, 10, tzinfo=UTC)
    assert schedule.tick(now=now) == ["enforce_retention"]
    assert schedule.tick(now=now + timedelta(minutes=40)) == []
    assert schedule.tick(now=now + timedelta(minutes=50)) == ["enforce_retention"]
    assert DBTaskResult.objects.count() == 2
    assert ScheduledJob.objects.get().last_slot == schedule.slot_of(
        now + timedelta(hours=1), timedelta(hours=1)
    )


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
