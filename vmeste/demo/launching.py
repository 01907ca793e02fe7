"""What each demo line passed before it was opened: numbers of its own, the articles its
operators see, its launch test call.

The seeds give the Moscow line the national line's number (the SIP edge sends a shared number
to the line of the whole country) and the other lines none; the demo gives each line a number
of its own, so that the edge routes every number to its line's menu. Each line's launch test
call (yesterday, an hour after it opens, answered by an agent of its centres with the skill of
its first branch) is written like the demo's other past calls: through the event API it would
move the agents whose state the live moment sets.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from vmeste.contactcenter import calllog
from vmeste.contactcenter.callevents import record_contact
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.core.models import Line
from vmeste.demo import fiction
from vmeste.knowledge.services import set_line_articles

# Fictional numbers in real ranges (valid E.164), one line each.
PHONES = {
    "moscow-volunteers": ["+74957770101"],
    "volgograd-volunteers": ["+78442770101"],
    "circle-of-kindness": ["+78002000101"],
    "cashback": ["+78002000202"],
    "social-coordinator": ["+78432770101"],
}
TEST_CALLERS = (79_000_030_000, 100)  # the demo's fictional block for test calls


def give_numbers() -> None:
    for code, phones in PHONES.items():
        Line.objects.filter(code=code).update(phones=phones)


def test_calls(*, now: datetime) -> int:
    """Each line's launch test call, with its Contact; the number written."""
    made = 0
    for n, line in enumerate(Line.objects.order_by("code")):
        queue = Queue.objects.filter(line=line, is_active=True).order_by("ivr_path", "code").first()
        agents = Agent.objects.filter(centre__lines=line).select_related("centre", "user")
        agent = next(
            (a for a in agents.order_by("user__username") if queue and queue.skill in a.skills),
            None,
        )
        if agent is not None:
            _test_call(line, queue, agent, fiction.fictional_phone(TEST_CALLERS, n), now)
            made += 1
    return made


def _test_call(line: Line, queue: Queue, agent: Agent, caller: str, now: datetime) -> None:
    """Yesterday, an hour after the line opens: answered in 6 s, a minute's talk."""
    zone = ZoneInfo(line.time_zone)
    day = timezone.localtime(now, zone).date() - timedelta(days=1)
    opens = time(0) if line.is_24_7 else line.opens_at
    at = datetime.combine(day, opens, tzinfo=zone) + timedelta(hours=1)
    summary = calllog.CallSummary(
        offered_at=at,
        answered_at=at + timedelta(seconds=6),
        ended_at=at + timedelta(seconds=66),
        line=line.code,
        caller_number=caller,
        ivr_path=queue.ivr_path,
        centre=agent.centre.code,
        queue=queue.code,
        agent=agent.user.username,
        agents=[agent.user.username],
        disposition="wrong_number",  # nobody's question: the contact names no person
        seen_offer=True,
    )
    call = Call.objects.create(
        call_id=f"demo-test-{line.code}",
        line=line,
        queue=queue,
        centre=agent.centre,
        agent=agent,
        caller_number=caller,
        ivr_path=queue.ivr_path,
        state=Call.State.ENDED,
        offered_at=summary.offered_at,
        answered_at=summary.answered_at,
        ended_at=summary.ended_at,
        wait_seconds=summary.wait_seconds,
        talk_seconds=60,
        answered_within_target=True,
        disposition=summary.disposition,
        folded={"summary": calllog.dump(summary), "at": summary.ended_at.isoformat(), "seq": 0},
    )
    record_contact(call=call, summary=summary)


# The knowledge base's demo articles name the lines they were written for; the Volgograd
# line's operators are shown those of its two branches (deliveries, psychological help).
VOLGOGRAD_ARTICLES = ["kb-010", "kb-011", "kb-015", "kb-033"]


def show_articles() -> None:
    """After the knowledge base is loaded: the Volgograd line's articles."""
    line = Line.objects.get(code="volgograd-volunteers")
    current = list(line.article_set.values_list("slug", flat=True))
    set_line_articles(line=line, slugs=sorted({*current, *VOLGOGRAD_ARTICLES}))
