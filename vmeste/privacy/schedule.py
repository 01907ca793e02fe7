"""The periodic jobs and the small scheduler that enqueues them.

Time is cut into slots of each job's period; a job is enqueued once per slot. The slot is
claimed on the job's row under a row lock, so several workers ticking at once enqueue it once,
and a worker that restarts mid-slot does not enqueue it again. A run that dies halfway is
finished by the next slot's run: every job is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from vmeste.privacy import tasks
from vmeste.privacy.models import ScheduledJob


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Task
    every: timedelta


JOBS: tuple[Periodic, ...] = (
    Periodic("enforce_retention", tasks.enforce_retention, timedelta(hours=1)),
)


def slot_of(now: datetime, every: timedelta) -> int:
    return int(now.timestamp() // every.total_seconds())


def tick(*, now: datetime | None = None, jobs: tuple[Periodic, ...] = JOBS) -> list[str]:
    """Enqueue the jobs due in this slot and not enqueued yet; return their names."""
    now = now or timezone.now()
    enqueued = []
    for job in jobs:
        slot = slot_of(now, job.every)
        with transaction.atomic():
            row, _ = ScheduledJob.objects.get_or_create(name=job.name)
            row = ScheduledJob.objects.select_for_update().get(pk=row.pk)
            if row.last_slot >= slot:
                continue
            result = job.task.enqueue()
            row.last_slot, row.last_enqueued_at, row.last_task_id = slot, now, str(result.id)
            row.save()
        enqueued.append(job.name)
    return enqueued
