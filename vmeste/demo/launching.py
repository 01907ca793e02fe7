"""What each demo line passed before it was opened: numbers of its own, the articles its
operators see, its launch test call.

The seeds give the Moscow line the national line's number (the SIP edge sends a shared number
to the line of the whole country) and the other lines none; the demo gives each line a number
of its own, so that the edge routes every number to its line's menu. Each line's launch test
call is the checklist's own (`launch.testcall`), yesterday an hour after the line opens: the
agent of its home centre with the skill of its first branch signs in, the call is offered
through the telephony's event path and rings them (nobody else is signed in yet: the agents'
day, and today's live moment, are written after it), they answer in 6 s, talk a minute and
sign out.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from vmeste.contactcenter import telephony
from vmeste.contactcenter.models import Agent, Queue
from vmeste.core.models import Line
from vmeste.demo import fiction
from vmeste.knowledge.services import set_line_articles
from vmeste.launch import testcall
from vmeste.telephony.services import home_centre

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
    """Each line's launch test call, answered and ended; the number made. Run while every
    agent is still signed out."""
    made = 0
    for n, line in enumerate(Line.objects.order_by("code")):
        queue = Queue.objects.filter(line=line, is_active=True).order_by("ivr_path", "code").first()
        agent = _answering(line, queue)
        if agent is not None:
            _test_call(line, agent, fiction.fictional_phone(TEST_CALLERS, n), now, n)
            made += 1
    return made


def _answering(line: Line, queue: Queue | None) -> Agent | None:
    """The agent of the line's home centre (else of another of its centres) who has the
    skill of its first branch, first by login."""
    if queue is None:
        return None
    home = home_centre(line)
    agents = Agent.objects.filter(centre__lines=line).select_related("centre", "user")
    able = [a for a in agents.order_by("user__username") if queue.skill in a.skills]
    return next((a for a in able if a.centre.code == home), next(iter(able), None))


def _test_call(line: Line, agent: Agent, caller: str, now: datetime, n: int) -> None:
    """Yesterday, an hour after the line opens (and 5 minutes after the line before: one
    agent may answer the test calls of several lines): answered in 6 s, a minute's talk."""
    zone = ZoneInfo(line.time_zone)
    day = timezone.localtime(now, zone).date() - timedelta(days=1)
    opens = time(0) if line.is_24_7 else line.opens_at
    at = datetime.combine(day, opens, tzinfo=zone) + timedelta(hours=1, minutes=5 * n)
    name = agent.user.username
    _agent_event(f"demo-launch-{line.code}:sign_in", name, "sign_in", at - timedelta(minutes=2))
    call_id, rung = testcall.place(code=line.code, at=at, caller=caller)
    if rung != name:
        raise RuntimeError(f"{line.code}: the test call rang {rung}, not {name}")
    for kind, seconds, data in (
        ("call_answered", 6, {"agent": name}),
        ("call_ended", 66, {"disposition": "wrong_number"}),  # nobody's question
    ):
        moment = at + timedelta(seconds=seconds)
        telephony.record_event(
            event_id=f"{call_id}:{kind}", type=kind, call_id=call_id, at=moment, now=moment,
            data=data,
        )  # fmt: skip
    _agent_event(f"demo-launch-{line.code}:sign_out", name, "sign_out", at + timedelta(minutes=3))


def _agent_event(event_id: str, agent: str, event: str, at: datetime) -> None:
    telephony.record_event(
        event_id=event_id, type="agent_state", at=at, now=at, data={"agent": agent, "event": event}
    )


# The knowledge base's demo articles name the lines they were written for; the Volgograd
# line's operators are shown those of its two branches (deliveries, psychological help).
VOLGOGRAD_ARTICLES = ["kb-010", "kb-011", "kb-015", "kb-033"]


def show_articles() -> None:
    """After the knowledge base is loaded: the Volgograd line's articles."""
    line = Line.objects.get(code="volgograd-volunteers")
    current = list(line.article_set.values_list("slug", flat=True))
    set_line_articles(line=line, slugs=sorted({*current, *VOLGOGRAD_ARTICLES}))
