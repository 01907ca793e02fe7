"""`vmeste backup` and `vmeste restore` between real installations: every table, every row."""

import json
import stat

from vmeste.privacy import schedule
from vmeste.privacy.tests.test_worker import SCRIPT, sites  # noqa: F401 (the fixture)


def counts(site) -> dict[str, int]:
    return json.loads(site.run("-m", SCRIPT, "counts").stdout)


def test_a_backup_restored_into_a_fresh_installation_has_every_row(sites, tmp_path):  # noqa: F811
    origin = sites.copy("origin")
    origin.run("-m", SCRIPT, "seed")
    origin.run("-m", SCRIPT, "work", "1")  # the worker's tables too
    before = counts(origin)
    assert before["people_person"] == 24 and before["assistance_request"] == 24
    jobs = [job for job in schedule.JOBS if job.installed()]
    assert before["django_tasks_database_dbtaskresult"] == len(jobs) and before["core_region"] > 80

    file = tmp_path / "vmeste.backup"
    origin.vmeste("backup", str(file))
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # personal data: the owner's only

    fresh = sites.empty("fresh")
    fresh.vmeste("restore", str(file))
    assert counts(fresh) == before
    # The restored installation works: its migrations are all applied.
    assert "No planned migration" in fresh.vmeste("migrate", "--plan").stdout


def test_restore_keeps_a_database_that_has_data_unless_told(sites, tmp_path):  # noqa: F811
    origin = sites.copy("origin")
    origin.run("-m", SCRIPT, "seed")
    file = tmp_path / "vmeste.backup"
    origin.vmeste("backup", str(file))
    live = sites.copy("live")
    refused = live.vmeste("restore", str(file), check=False)
    assert refused.returncode != 0 and "--replace" in refused.stderr
    assert counts(live)["people_person"] == 0
    live.vmeste("restore", "--replace", str(file))
    assert counts(live) == counts(origin)


def test_a_file_that_is_no_backup_is_refused(sites, tmp_path):  # noqa: F811
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    result = sites.empty("junk").vmeste("restore", str(junk), check=False)
    assert result.returncode != 0 and "not a Vmeste backup" in result.stderr
