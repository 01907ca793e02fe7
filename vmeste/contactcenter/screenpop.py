"""Screen pop: when a call is routed to an agent, their browser opens the call card with
the caller already filled in. Server-sent events; each stream looks at the agent's row
twice a second, which works the same across server processes on PostgreSQL and SQLite
(the database is the channel; LISTEN/NOTIFY would save those reads at scale)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlencode

from django.urls import reverse

from vmeste.contactcenter.models import Agent, Call

POLL_SECONDS = 0.5


def pop_for(user_id: int) -> dict | None:
    """The call ringing at (or talking to) this user's phone, as the browser needs it."""
    agent = (
        Agent.objects.filter(user_id=user_id, call__isnull=False)
        .select_related("call__line", "call__queue")
        .first()
    )
    if agent is None or agent.call.state not in (Call.State.RINGING, Call.State.ANSWERED):
        return None
    call = agent.call
    query = {"phone": call.caller_number}
    if call.line_id:
        query["line"] = call.line.code
    return {
        "call_id": call.call_id,
        "caller_number": call.caller_number,
        "line": call.line.code if call.line_id else None,
        "queue": call.queue.name if call.queue_id else None,
        "ivr_path": call.ivr_path,
        "card_url": f"{reverse('assistance:call_card')}?{urlencode(query)}",
    }


async def stream(
    fetch: Callable[[], object], *, poll: float = POLL_SECONDS, rounds: int | None = None
) -> AsyncIterator[str]:
    """SSE lines: one "call" event each time a different call reaches the agent."""
    yield "retry: 2000\n\n"
    last = None
    n = 0
    while rounds is None or n < rounds:
        n += 1
        pop = await fetch()
        current = pop["call_id"] if pop else None
        if current != last:
            last = current
            if pop:
                yield f"event: call\ndata: {json.dumps(pop, ensure_ascii=False)}\n\n"
        else:
            yield ": still here\n\n"  # keeps proxies from closing an idle stream
        await asyncio.sleep(poll)
