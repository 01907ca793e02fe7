"""The periodic jobs and the small scheduler that enqueues them.

A job is a function of `now`, declared here by its dotted path next to how often it runs.
Time is cut into slots of each job's period; a job is enqueued once per slot. The slot is
claimed on the job's row under a row lock, in the transaction that enqueues the task, so
several workers ticking at once enqueue it once, and a worker that restarts mid-slot does not
enqueue it again. A run that dies halfway is finished by the next slot's run: every job is
idempotent. A job whose function is not installed is skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from vmeste.privacy.models import ScheduledJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    path: str  # a function taking `now`
    every: timedelta

    def function(self):
        return import_string(self.path)

    def installed(self) -> bool:
        try:
            self.function()
        except ImportError:
            return False
        return True


JOBS: tuple[Periodic, ...] = (
    Periodic("enforce_retention", "vmeste.privacy.retention.enforce", timedelta(hours=1)),
    # Stored answers to Idempotency-Keys past their time to live (core, issue 12 defect 4).
    Periodic(
        "purge_idempotency", "vmeste.core.services.purge_expired_idempotency", timedelta(hours=1)
    ),
    Periodic("prune_task_results", "vmeste.privacy.schedule.prune_task_results", timedelta(days=1)),
    Periodic(
        "purge_form_submissions",
        "vmeste.core.services.purge_expired_form_submissions",
        timedelta(hours=1),
    ),
    # Answered calls (and rings) of media nodes gone when no node is left to beat
    # (contactcenter, issue 14). Slots count from the epoch, so 30 s works as an hour does;
    # the worker ticks every 5 s (--interval), and a slower tick would stretch the period.
    Periodic("sweep_media_nodes", "vmeste.contactcenter.ringwatch.sweep", timedelta(seconds=30)),
)


KEEP_RESULTS = timedelta(days=7)
# A task still "running" after this was run by a worker that died (kill -9, a lost machine):
# its job's next period redid the work, and the row only misleads.
ABANDONED_AFTER = timedelta(days=1)


def prune_task_results(*, now: datetime) -> int:
    """Drop the queue's finished results after a week and abandoned runs after a day."""
    from django_tasks_db.models import DBTaskResult

    finished = DBTaskResult.objects.finished().filter(finished_at__lt=now - KEEP_RESULTS)
    abandoned = DBTaskResult.objects.running().filter(started_at__lt=now - ABANDONED_AFTER)
    return finished.delete()[0] + abandoned.delete()[0]


def job(name: str) -> Periodic:
    return next(j for j in JOBS if j.name == name)


def slot_of(now: datetime, every: timedelta) -> int:
    return int(now.timestamp() // every.total_seconds())


def tick(*, now: datetime | None = None, jobs: tuple[Periodic, ...] = JOBS) -> list[str]:
    """Enqueue the jobs due in this slot and not enqueued yet; return their names."""
    from vmeste.privacy.tasks import run_job

    now = now or timezone.now()
    enqueued = []
    for periodic in jobs:
        if not periodic.installed():
            log.debug("periodic job %s: %s is not installed", periodic.name, periodic.path)
            continue
        slot = slot_of(now, periodic.every)
        with transaction.atomic():
            row, _ = ScheduledJob.objects.get_or_create(name=periodic.name)
            row = ScheduledJob.objects.select_for_update().get(pk=row.pk)
            if row.last_slot >= slot:
                continue
            result = run_job.enqueue(periodic.name, now.isoformat())
            row.last_slot, row.last_enqueued_at, row.last_task_id = slot, now, str(result.id)
            row.save()
        enqueued.append(periodic.name)
    return enqueued
