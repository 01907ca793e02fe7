"""The media node's background tasks are kept until they end, and a failure is logged at
once with what the task was doing (``telephony.tasks``)."""

from __future__ import annotations

import asyncio
import gc
import logging

from vmeste.telephony import tasks


async def _scene() -> tuple[int, int, int]:
    release = asyncio.Event()

    async def waits() -> None:
        await release.wait()

    async def fails() -> None:
        raise RuntimeError("the phone vanished")

    before = tasks.running()
    tasks.spawn(waits(), "call-1: BYE")  # nobody holds the task but the node
    gc.collect()  # a task only asyncio knew of could be collected here
    await asyncio.sleep(0)
    kept = tasks.running() - before
    tasks.spawn(fails(), "call-2: transfer ordered")
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.sleep(0.01)
    return before, kept, tasks.running()


def test_a_task_is_kept_until_it_ends_and_its_failure_is_logged_with_its_call(caplog):
    with caplog.at_level(logging.ERROR, logger="vmeste.telephony.media"):
        before, kept, after = asyncio.run(_scene())
    assert kept == 1 and after == before  # kept while it ran, let go once it ended
    failures = [r for r in caplog.records if r.getMessage() == "call-2: transfer ordered failed"]
    assert len(failures) == 1 and "the phone vanished" in str(failures[0].exc_info[1])
