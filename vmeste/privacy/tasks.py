"""The one task the worker runs for the schedule (Django's tasks framework, `django_tasks`
backport): a periodic job by name, at the moment it was due."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task


@task()
def run_job(name: str, due: str) -> object:
    """Run the periodic job `name` as of `due` (ISO time); every job is idempotent, so a
    rerun after a crash finishes the work and repeats none of it."""
    from vmeste.privacy import schedule

    return schedule.job(name).function()(now=datetime.fromisoformat(due))
