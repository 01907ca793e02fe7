"""The demo's contact centre: queues per line and IVR branch, agents signed in with skills,
today's calls from the month's phone contacts, and a live moment for the wallboard.

Today's calls are the month's own phone contacts of today (each Call is the Contact's call,
same call id), routed to the centre of the caller's region when that centre serves the line,
to the national one otherwise. The live moment is consistent with the router: nobody free
is eligible for a waiting call (every agent with the skill of a waiting queue is busy, on a
break or not ready), so the first dispatch finds nothing to do, as the real one would; and
with the lines' hours: no live call on a line closed at the moment of loading, whose agents
have gone home.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password

from vmeste.accounts.models import User
from vmeste.contactcenter import calllog
from vmeste.contactcenter.callevents import record_contact
from vmeste.contactcenter.models import WRAP_UP_SECONDS, Agent, AgentStateChange, Call, Queue
from vmeste.contactcenter.services import centre_zone, today_start
from vmeste.contactcenter.transitions import AgentEvent, AgentState
from vmeste.contacts.models import Contact
from vmeste.core.models import Category, Centre, Line
from vmeste.demo import cast, fiction

SPECIALIST = ((0, 3), (60, 2))  # a specialist first; after a minute a less senior one
RING = timedelta(seconds=14)  # offered → answered for the calls going on now
BEFORE = timedelta(days=3)  # agents are written signed out since before the launches


@dataclass(frozen=True)
class DemoQueue:
    line: str
    code: str
    name: str
    ivr_path: str
    skill: str
    topic: str | None = None
    escalation: tuple = ((0, 2), (30, 1))
    priority: tuple = (("age_60_plus", 60), ("critical", 300))
    share: float = 1.0  # of the line's calls


# The national line's IVR branches that lead to a queue (six of the ten branches of its menu,
# `demo/voicemenu.py`, by the same digits), and one or two branches for each other line.
QUEUES: list[DemoQueue] = [
    DemoQueue("we-are-together", "wat-food", "Продукты и лекарства", "1", "delivery",
              "groceries", share=0.35),
    DemoQueue("we-are-together", "wat-medical", "Поликлиники, больничные, вакцинация, QR-коды",
              "2", "medical", "medical-info", share=0.25),
    DemoQueue("we-are-together", "wat-psy", "Психологическая поддержка", "3", "psy",
              "psychological", escalation=SPECIALIST,
              priority=(("age_60_plus", 60), ("critical", 600)), share=0.1),
    DemoQueue("we-are-together", "wat-social", "Меры социальной поддержки", "4", "social",
              "social-support", share=0.15),
    DemoQueue("we-are-together", "wat-volunteer", "Стать волонтёром", "5", "general",
              share=0.05),
    DemoQueue("we-are-together", "wat-general", "Другие вопросы (оператор)", "0", "general",
              share=0.1),
    DemoQueue("moscow-volunteers", "msk-delivery", "Доставка продуктов и лекарств", "1",
              "delivery", share=0.6),  # no topic: it takes every category the other leaves
    DemoQueue("moscow-volunteers", "msk-medical", "Медицинские консультации", "2", "medical",
              "medical-info", share=0.4),
    DemoQueue("volgograd-volunteers", "vgg-food", "Продукты и лекарства", "1", "delivery",
              "groceries", share=0.7),
    DemoQueue("volgograd-volunteers", "vgg-psy", "Социально-психологическая помощь", "2",
              "psy", "psychological", escalation=((0, 2), (60, 1)),
              priority=(("age_60_plus", 60), ("critical", 600)), share=0.3),
    DemoQueue("circle-of-kindness", "kd-info", "Заболевания и препараты фонда", "1",
              "kindness"),  # the line's one queue takes all its categories
    DemoQueue("social-coordinator", "sc-interview", "Интервью о потребностях", "1",
              "coordination", "social-support"),
    DemoQueue("cashback", "cb-info", "Туристический и детский кешбэк", "1", "cashback",
              "social-support"),
]  # fmt: skip


@dataclass(frozen=True)
class DemoAgent:
    username: str
    centre: str
    skills: dict
    state: str  # at the live moment
    reason: str = ""  # of a break
    name: tuple[str, str] = ("", "")  # first, last: background agents (no demo login)
    line: str = ""  # an on-call agent's live call: its line's queue …
    queue: str = ""


A = AgentState
# The demo logins who answer calls, then agents without a login who fill the centres.
AGENTS: list[DemoAgent] = [
    DemoAgent("operator", "national", {"general": 3, "delivery": 2, "medical": 2, "social": 2,
              "kindness": 2, "cashback": 2}, A.WRAP_UP),
    DemoAgent("operator2", "national", {"general": 2, "delivery": 2}, A.ON_CALL,
              queue="wat-food"),
    DemoAgent("operator.vgg", "volgograd", {"general": 2, "delivery": 3, "psy": 2}, A.ON_CALL,
              queue="vgg-psy"),
    DemoAgent("volunteer.vgg", "volgograd", {"general": 1, "delivery": 1}, A.ON_BREAK,
              reason="обучение"),
    DemoAgent("operator.msk", "moscow", {"general": 2, "delivery": 3, "medical": 2}, A.ON_CALL,
              queue="msk-medical"),
    DemoAgent("volunteer.msk", "moscow", {"general": 1, "delivery": 1}, A.NOT_READY),
    DemoAgent("coordinator.tat", "tatarstan", {"coordination": 3, "social": 3, "general": 1},
              A.AVAILABLE),
    DemoAgent("agent.nat01", "national", {"delivery": 3, "general": 2}, A.ON_CALL,
              name=("Тамара", "Лукина"), queue="wat-food"),
    DemoAgent("agent.nat02", "national", {"psy": 3, "general": 1}, A.ON_CALL,
              name=("Глеб", "Миронов"), queue="wat-psy"),
    DemoAgent("agent.nat03", "national", {"medical": 3, "general": 2}, A.ON_CALL,
              name=("Вера", "Сидоренко"), queue="wat-medical"),
    DemoAgent("agent.nat04", "national", {"delivery": 2, "social": 2}, A.WRAP_UP,
              name=("Роман", "Кузьмин")),
    DemoAgent("agent.nat05", "national", {"psy": 3, "social": 1}, A.ON_BREAK, reason="обед",
              name=("Алла", "Гусева")),
    DemoAgent("agent.nat06", "national", {"cashback": 3, "kindness": 2, "general": 1},
              A.AVAILABLE, name=("Марат", "Исаев")),
    DemoAgent("agent.nat07", "national", {"social": 3, "medical": 1, "general": 2},
              A.AVAILABLE, name=("Юлия", "Белова")),
    DemoAgent("agent.nat08", "national", {"delivery": 1, "general": 1}, A.OFFLINE,
              name=("Пётр", "Фомин")),
    DemoAgent("agent.vgg01", "volgograd", {"delivery": 2, "general": 2}, A.ON_CALL,
              name=("Оксана", "Ветрова"), queue="vgg-food"),
    DemoAgent("agent.vgg02", "volgograd", {"psy": 3, "general": 1}, A.WRAP_UP,
              name=("Степан", "Донской")),
    DemoAgent("agent.vgg03", "volgograd", {"delivery": 1}, A.OFFLINE,
              name=("Лидия", "Царёва")),
    DemoAgent("agent.msk01", "moscow", {"delivery": 3, "medical": 1}, A.ON_CALL,
              name=("Антон", "Арбатов"), queue="msk-delivery"),
    DemoAgent("agent.msk02", "moscow", {"delivery": 2, "general": 1}, A.ON_CALL,
              name=("Софья", "Пресненская"), queue="msk-delivery"),
    DemoAgent("agent.msk03", "moscow", {"medical": 2}, A.NOT_READY,
              name=("Кирилл", "Таганский")),
    DemoAgent("agent.tat01", "tatarstan", {"coordination": 2, "social": 2}, A.ON_CALL,
              name=("Ильдар", "Хасанов"), queue="sc-interview"),
]  # fmt: skip

# Callers waiting at the live moment: queue, centre, seconds waited, flags.
WAITING = [
    ("wat-food", "national", 72, ("age_60_plus",)),
    ("wat-food", "national", 41, ()),
    ("wat-food", "national", 9, ("age_60_plus",)),
    ("wat-psy", "national", 83, ("critical",)),
    ("wat-psy", "national", 27, ()),
    ("vgg-food", "volgograd", 35, ("age_60_plus",)),
    ("msk-delivery", "moscow", 16, ()),
]

# Where a topic of the month's contacts leads in the IVR (the rest: by the branches' shares).
TOPIC_QUEUE = {
    ("we-are-together", "loneliness"): "wat-psy",
    ("we-are-together", "state-measures"): "wat-social",
    ("we-are-together", "benefits-payments"): "wat-social",
    ("volgograd-volunteers", "loneliness"): "vgg-psy",
}


def create(
    *,
    seed: int,
    now: datetime,
    centres: dict[str, Centre],
    users: dict[str, User],
    launched: Callable[[], object] = lambda: None,
) -> dict[str, int]:
    """The queues, the agents, today's calls and the live moment; answers the counts.
    ``launched`` runs while every agent is still signed out (the lines' launch test calls,
    yesterday, through the telephony's event path)."""
    rng = random.Random(seed)
    queues = _queues()
    open_lines = {line.code for line in Line.objects.all() if line.is_open(now)}
    agents = _agents(now, centres, users, open_lines, launched)
    history = _today(now, rng, queues, agents, centres)
    live = _live(now, queues, agents, centres, open_lines)
    return {"queues": len(queues), "agents": len(agents), "calls_today": history + live}


def _queues() -> dict[str, Queue]:
    lines = {line.code: line for line in Line.objects.all()}
    topics = {c.code: c for c in Category.objects.filter(parent__isnull=True)}
    made = Queue.objects.bulk_create(
        [
            Queue(
                line=lines[q.line],
                code=q.code,
                name=q.name,
                topic=topics.get(q.topic or ""),
                ivr_path=q.ivr_path,
                skill=q.skill,
                escalation=[list(step) for step in q.escalation],
                priority_rules=dict(q.priority),
                target_share=0.80,
                target_seconds=20,
                max_wait_seconds=120,  # then the IVR offers a callback
                overflow_after_seconds=60,  # regional ↔ national
                wrap_up_seconds=30,
            )
            for q in QUEUES
        ]
    )
    return {q.code: q for q in made}


QUEUE_LINE = {q.code: q.line for q in QUEUES}


def live_state(spec: DemoAgent, open_lines: set[str]) -> str:
    """The agent's state at the live moment: an agent whose live call is on a line closed
    now (a regional volunteer line at night) has gone home instead."""
    if spec.queue and QUEUE_LINE[spec.queue] not in open_lines:
        return AgentState.OFFLINE
    return spec.state


def live_waiting(open_lines: set[str]) -> list[tuple]:
    """The callers waiting at the live moment: none on a line closed now."""
    return [w for w in WAITING if QUEUE_LINE[w[0]] in open_lines]


def _since(n: int, spec: DemoAgent, now: datetime) -> datetime:
    """When the agent's live state began: an on-call agent answered 1–8 minutes ago, one
    in wrap-up hung up 5–14 s ago (their 30 s of wrap-up end soon after the load)."""
    if spec.state == AgentState.ON_CALL:
        return now - timedelta(seconds=60 + 97 * n % 420)
    if spec.state == AgentState.WRAP_UP:
        return now - timedelta(seconds=5 + n % 10)
    return now - timedelta(seconds=15 + 47 * n % 400)


def _agents(
    now: datetime,
    centres: dict[str, Centre],
    users: dict[str, User],
    open_lines: set[str],
    launched: Callable[[], object],
) -> dict:
    """Each agent signed in at their shift's start (07:30 where they are, or earlier for a
    night shift), then went into their live state; the offline ones are signed out. Written
    signed out first, for ``launched`` (the days before), then moved to their live state."""
    agents, changes = {}, []
    for n, planned in enumerate(AGENTS):
        spec = replace(planned, state=live_state(planned, open_lines))
        user = users.get(spec.username) or _background_user(spec, centres)
        centre = centres[spec.centre]
        since = _since(n, spec, now)
        shift = today_start(now, centre_zone(centre)) + timedelta(hours=7, minutes=30)
        signed_in = min(since - timedelta(minutes=2), max(shift, now - timedelta(hours=6)))
        agent = Agent(
            user=user,
            centre=centre,
            skills=spec.skills,
            state=spec.state,
            state_since=since,
            break_reason=spec.reason,
            wrap_up_until=since + timedelta(seconds=WRAP_UP_SECONDS)
            if spec.state == A.WRAP_UP
            else None,
        )
        agents[spec.username] = agent
        if spec.state == AgentState.OFFLINE:
            continue
        changes.append((agent, signed_in, AgentEvent.SIGN_IN, A.OFFLINE, A.AVAILABLE, ""))
        if spec.state == A.WRAP_UP:  # a call just ended
            rang = since - timedelta(seconds=200)
            changes.append((agent, rang, AgentEvent.RING, A.AVAILABLE, A.RINGING, ""))
            changes.append(
                (agent, rang + timedelta(seconds=6), AgentEvent.ANSWER, A.RINGING, A.ON_CALL, "")
            )
            changes.append((agent, since, AgentEvent.HANG_UP, A.ON_CALL, A.WRAP_UP, ""))
        elif spec.state == A.ON_BREAK:
            changes.append(
                (agent, since, AgentEvent.TAKE_BREAK, A.AVAILABLE, A.ON_BREAK, spec.reason)
            )
        elif spec.state == A.NOT_READY:
            changes.append((agent, since, AgentEvent.NOT_READY, A.AVAILABLE, A.NOT_READY, ""))
    live = {name: (a.state, a.state_since, a.break_reason) for name, a in agents.items()}
    for agent in agents.values():
        agent.state, agent.state_since, agent.break_reason = A.OFFLINE, now - BEFORE, ""
    Agent.objects.bulk_create(agents.values())
    launched()
    for name, agent in agents.items():
        agent.state, agent.state_since, agent.break_reason = live[name]
    Agent.objects.bulk_update(agents.values(), ["state", "state_since", "break_reason", "call"])
    AgentStateChange.objects.bulk_create(
        AgentStateChange(agent=a, at=at, kind=e, from_status=f, to_status=t, text=r)
        for a, at, e, f, t, r in sorted(changes, key=lambda c: c[1])
    )
    return agents


def _background_user(spec: DemoAgent, centres: dict[str, Centre]) -> User:
    """An agent without a demo login (no password: nobody signs in as them)."""
    centre = centres[spec.centre]
    demo_centre = next(c for c in cast.CENTRES if c.code == spec.centre)
    user = User.objects.create(
        username=spec.username,
        first_name=spec.name[0],
        last_name=spec.name[1],
        email=f"{spec.username}@demo.invalid",
        role="operator",
        centre=centre,
        password=make_password(None),
    )
    if centre.region_id:
        user.regions.set([centre.region])
    user.lines.set(Line.objects.filter(code__in=demo_centre.lines))
    return user


def _centre_for(line: str, region: str | None, centres: dict[str, Centre]) -> Centre:
    for spec in cast.CENTRES:
        if spec.kind == "regional" and spec.region == region and line in spec.lines:
            return centres[spec.code]
    return centres["national"]


def _queue_for(line: str, topics: list[str], rng: random.Random) -> str:
    for topic in topics:
        if (line, topic) in TOPIC_QUEUE:
            return TOPIC_QUEUE[line, topic]
    branches = [q for q in QUEUES if q.line == line]
    return rng.choices([q.code for q in branches], [q.share for q in branches])[0]


def _today(now: datetime, rng: random.Random, queues: dict, agents: dict, centres: dict) -> int:
    """The month's phone contacts of today (each centre's own day) as calls: answered ones
    ended, the others abandoned; their Contacts take the queue and the IVR branch."""
    earliest = min(today_start(now, centre_zone(c)) for c in centres.values())
    contacts = list(
        Contact.objects.filter(channel="phone", started_at__gte=earliest, started_at__lte=now)
        .exclude(call_id=None)
        .select_related("line", "region", "operator")
        .prefetch_related("categories")
        .order_by("started_at")
    )
    by_user = {a.user_id: a for a in agents.values()}
    calls = []
    for contact in contacts:
        region = contact.region.code if contact.region_id else None
        centre = _centre_for(contact.line.code, region, centres)
        if contact.started_at < today_start(now, centre_zone(centre)):
            continue  # yesterday where that centre is
        topics = [c.code for c in contact.categories.all()]
        queue = queues[_queue_for(contact.line.code, topics, rng)]
        abandoned = contact.disposition == "abandoned" or contact.talk_seconds is None
        wait = contact.wait_seconds or 0
        answered = None if abandoned else contact.started_at + timedelta(seconds=wait)
        calls.append(
            Call(
                call_id=contact.call_id,
                line=contact.line,
                queue=queue,
                centre=centre,
                agent=None if abandoned else by_user.get(contact.operator_id),
                caller_number=contact.caller_number,
                ivr_path=queue.ivr_path,
                state=Call.State.ABANDONED if abandoned else Call.State.ENDED,
                offered_at=contact.started_at,
                answered_at=answered,
                ended_at=contact.ended_at or now,
                wait_seconds=wait,
                talk_seconds=None if abandoned else contact.talk_seconds,
                answered_within_target=not abandoned and wait <= queue.target_seconds,
                disposition=contact.disposition,
            )
        )
        contact.queue_code, contact.ivr_path = queue.code, queue.ivr_path
    Call.objects.bulk_create(calls, batch_size=1000)
    Contact.objects.bulk_update(contacts, ["queue_code", "ivr_path"], batch_size=1000)
    return len(calls)


def _live(now: datetime, queues: dict, agents: dict, centres: dict, open_lines: set[str]) -> int:
    """The callers waiting now and the calls the on-call agents are having, each with its
    Contact written through the intake's service, as the telephony's first event would."""
    specs = [(q, c, now - timedelta(seconds=s), f, None) for q, c, s, f in live_waiting(open_lines)]
    for spec in AGENTS:
        agent = agents[spec.username]
        if agent.state == AgentState.ON_CALL:
            specs.append((spec.queue, spec.centre, agent.state_since - RING, (), agent))
    for n, (code, centre, offered, flags, agent) in enumerate(specs):
        queue = queues[code]
        answered = agent.state_since if agent else None
        summary = calllog.CallSummary(
            offered_at=offered,
            answered_at=answered,
            line=queue.line.code,
            caller_number=fiction.fictional_phone(fiction.DEMO_CALLER_PHONES, 9000 + n),
            ivr_path=queue.ivr_path,
            centre=centre,
            queue=code,
            flags=flags,
            agent=agent.user.username if agent else "",
            seen_offer=True,
            agents=[agent.user.username] if agent else [],
        )
        call = Call.objects.create(
            call_id=f"demo-live-{n:03d}",
            line=queue.line,
            queue=queue,
            centre=centres[centre],
            agent=agent,
            caller_number=summary.caller_number,
            ivr_path=queue.ivr_path,
            priority=queue.priority_for(set(flags)),
            state=Call.State.ANSWERED if agent else Call.State.WAITING,
            offered_at=offered,
            answered_at=answered,
            wait_seconds=summary.wait_seconds,
            answered_within_target=bool(agent) and summary.wait_seconds <= queue.target_seconds,
            # as if its events had come: a later real event steps on this summary
            folded={
                "summary": calllog.dump(summary),
                "at": (answered or offered).isoformat(),
                "seq": 0,
            },
        )
        record_contact(call=call, summary=summary)
        if agent:
            Agent.objects.filter(pk=agent.pk).update(call=call)
            AgentStateChange.objects.bulk_create(
                [
                    AgentStateChange(
                        agent=agent,
                        at=answered - RING,
                        kind=AgentEvent.RING,
                        from_status=A.AVAILABLE,
                        to_status=A.RINGING,
                        call=call,
                    ),
                    AgentStateChange(
                        agent=agent,
                        at=answered,
                        kind=AgentEvent.ANSWER,
                        from_status=A.RINGING,
                        to_status=A.ON_CALL,
                        call=call,
                    ),
                ]
            )
    return len(specs)
