"""The media node's background tasks, each kept until it ends and its failure logged.

asyncio keeps only a weak reference to a task: one started and forgotten (a transfer
carried out, a BYE sent, a new call's flow) may be collected before it ends, and its
exception is seen, if at all, when the task is collected ("Task exception was never
retrieved"), long after and without the call it belonged to. ``spawn`` keeps each task in
a set until it is done and logs its exception then, with what it was doing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("vmeste.telephony.media")
_running: set[asyncio.Task] = set()


def spawn(work: Coroutine[Any, Any, Any], what: str) -> asyncio.Task:
    """``work`` run in the background, kept until it ends; its failure logged with
    ``what`` (the call's id and the step, for the log)."""
    task = asyncio.get_running_loop().create_task(work)
    _running.add(task)
    task.add_done_callback(lambda done: _ended(done, what))
    return task


def _ended(task: asyncio.Task, what: str) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("%s failed", what, exc_info=task.exception())


def running() -> int:
    """How many background tasks are kept now (for tests and a node's health)."""
    return len(_running)
