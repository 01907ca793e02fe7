"""`vmeste worker`: enqueue the periodic jobs when due and run queued tasks, forever."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from vmeste.privacy import schedule


class Command(BaseCommand):
    help = "Фоновые задачи: сроки хранения и другие периодические работы."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between ticks")
        parser.add_argument(
            "--once", action="store_true", help="enqueue what is due, run the queue, exit"
        )

    def handle(self, *, interval: float, once: bool, **options) -> None:
        stopping = []
        if not once:
            # Finish the task in hand, then stop: a task killed outright is redone anyway.
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stopping.append(True))
        worker_id = get_random_string(32)
        while not stopping:
            close_old_connections()
            for name in schedule.tick():
                self.stdout.write(f"enqueued {name}")
            self._drain(worker_id)
            if once:
                return
            time.sleep(interval)

    @staticmethod
    def _drain(worker_id: str) -> None:
        Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        ).run()
