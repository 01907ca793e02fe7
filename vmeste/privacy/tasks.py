"""The jobs the worker runs (Django's tasks framework, `django_tasks` backport)."""

from __future__ import annotations

from django_tasks import task

from vmeste.privacy import retention


@task()
def enforce_retention() -> dict[str, int]:
    """Every kind's retention; idempotent, so a rerun after a crash finishes the work."""
    return retention.enforce()
