"""Contact centre services: agent state changes, the routing configuration, the wallboard."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from vmeste.accounts.roles import Right
from vmeste.contactcenter import configcache, screenpop
from vmeste.contactcenter.callfigures import CALL_FIGURES, call_counts, service_level
from vmeste.contactcenter.models import WRAP_UP_SECONDS, Agent, AgentStateChange, Call
from vmeste.contactcenter.routingrules import QueueRule
from vmeste.contactcenter.transitions import AgentEvent, AgentState, TransitionRefused, next_state
from vmeste.core.errors import Conflict, Forbidden
from vmeste.core.models import Centre, Line
from vmeste.core.scoping import scoped, user_scope
from vmeste.core.timeline import new_event
from vmeste.core.together import together, update_row
from vmeste.volunteers import rota

# Agent events about the call they hold: their timeline rows name that call.
CALL_EVENTS = frozenset(
    {AgentEvent.ANSWER, AgentEvent.NO_ANSWER, AgentEvent.CALLER_GONE, AgentEvent.HANG_UP}
)
# ... and the ring, which names the call the agent is being given.
NAMES_ITS_CALL = CALL_EVENTS | {AgentEvent.RING}
AGENT_STATE_FIELDS = ["state", "state_since", "break_reason", "call", "wrap_up_until"]
RING_FIELDS = ["state", "agent", "revision"]  # what giving a call to an agent changes
WALLBOARD_CACHE_SECONDS = 1  # 100 viewers polling every 2 s cost one computation a second
# "Поступило" counts the calls offered to a queue: those that ended in the voice menu are
# counted apart (``callfigures``), and the definition says so.
SERVICE_LEVEL_DEFINITION = format_lazy(
    "{} ({})",
    gettext_lazy("отвечено в целевое время / поступило за сегодня"),
    gettext_lazy("звонки, завершённые в голосовом меню, не в счёт"),
)


def refusal(event: AgentEvent, state: AgentState) -> str:
    return _("Нельзя: «%(event)s» в состоянии «%(state)s».") % {
        "event": event.value,
        "state": state.value,
    }


def move(
    agent: Agent,
    event: AgentEvent,
    *,
    at: datetime,
    reason: str = "",
    actor=None,
    wrap_up: float = WRAP_UP_SECONDS,
) -> AgentStateChange:
    """One step of the state table for an agent whose row the caller has locked, in memory.

    The agent's fields change; the timeline row comes back unsaved (``save_moves`` writes
    both), so that several steps of several agents cost one UPDATE per agent and one
    INSERT. For a ring, set ``agent.call`` first: the row names the call being given.
    ``actor``: who did it from the toolbar (none for the telephony and the router).
    ``wrap_up``: the seconds of wrap-up after a hang-up (the call's queue's, ``wrap_up_for``).
    Raises ``TransitionRefused``."""
    old = AgentState(agent.state)
    new = next_state(old, event, reason=reason)
    agent.state, agent.state_since = new, at
    agent.break_reason = reason if new is AgentState.ON_BREAK else ""
    agent.wrap_up_until = at + timedelta(seconds=wrap_up) if new is AgentState.WRAP_UP else None
    return new_event(
        agent,
        event.value,
        actor=actor,
        text=reason,
        at=at,
        from_status=old,
        to_status=new,
        call_id=agent.call_id if event in NAMES_ITS_CALL else None,
    )


def wrap_up_for(queue_id: int | None) -> int:
    """The wrap-up after a call of this queue (the process's snapshot: no query)."""
    queue = configcache.queue_by_pk(queue_id) if queue_id else None
    return queue.wrap_up_seconds if queue is not None else WRAP_UP_SECONDS


def wrap_up_after(event: AgentEvent, agent: Agent) -> int:
    """The wrap-up a hang-up reported for the agent (not through their call's events)
    leads to: that of the call they hold (one query, for this rare event only)."""
    if event is not AgentEvent.HANG_UP or agent.call_id is None:
        return WRAP_UP_SECONDS
    queue_id = Call.objects.filter(pk=agent.call_id).values_list("queue_id", flat=True).first()
    return wrap_up_for(queue_id)


def save_moves(
    agents: Iterable[Agent], rows: list[AgentStateChange], rung: Iterable[Call] = ()
) -> None:
    """Write what ``move`` changed: the calls given (``rung``: their state, agent and
    revision), the agents (all locked by the caller), then their timeline rows in the
    order they happened (primary-key order is the order of events). Sent together: the
    timeline's INSERT reads its new keys, and that answer brings the others' with it."""
    with together():
        for call in rung:
            update_row(call, RING_FIELDS)
            screenpop.announce(call.agent.user_id)  # delivered when the transaction commits
        for agent in agents:
            update_row(agent, AGENT_STATE_FIELDS)
        AgentStateChange.objects.bulk_create(rows)


class Moves:
    """Agents' steps of one transaction not written yet: each agent saved once, with where
    its last step left it, the calls given, and all the timeline rows in one INSERT
    (``save``). A «ready» answered with a ring is two steps of one agent and a call: one
    UPDATE each and one INSERT, sent together."""

    def __init__(self) -> None:
        self.rows: list[AgentStateChange] = []
        self.agents: dict[int, Agent] = {}
        self.rung: list[Call] = []

    def add(self, agent: Agent, row: AgentStateChange | None = None) -> None:
        """The agent changed (by ``row``, the step ``move`` made, or by hand: its call)."""
        if row is not None:
            self.rows.append(row)
        self.agents[agent.pk] = agent

    def ring(self, call: Call, agent: Agent, at: datetime) -> None:
        """The call (locked by the caller, ``revision`` the next one) given to the agent,
        who is rung: the agent's step and the call's change written with the others."""
        call.state, call.agent = Call.State.RINGING, agent
        agent.call = call
        self.rung.append(call)
        self.add(agent, move(agent, AgentEvent.RING, at=at))

    def save(self) -> None:
        if self.agents or self.rows or self.rung:
            save_moves(self.agents.values(), self.rows, self.rung)
        self.rows, self.agents, self.rung = [], {}, []


def sign_in_refusal(agent: Agent, event: AgentEvent, at: datetime) -> tuple[str, str]:
    """Why the agent may not sign in now, as (code, message); ("", "") when they may. Only
    someone who may open the call card takes calls (a volunteer, once granted the operator
    role), and a centre that takes calls only from its shifts refuses anyone off shift."""
    if event is not AgentEvent.SIGN_IN or agent.centre_id is None:
        return "", ""
    user = agent.user
    if user.get_deferred_fields():  # read with its username only (``freeagents``): in full
        agent.user = user = type(user).objects.get(pk=user.pk)
    if not user.can(Right.REGISTER):  # a call they could not open is never theirs
        return "no_call_card", _("Принимать звонки может тот, кому доступна карточка звонка.")
    if rota.may_take_calls(user_id=agent.user_id, centre_id=agent.centre_id, at=at):
        return "", ""
    return "off_shift", _(
        "Сейчас не ваша смена: в этом центре на линию выходят только по графику смен."
    )


def change_agent_state(
    *, agent: Agent, event: AgentEvent, reason: str = "", at: datetime | None = None, actor=None
) -> Agent:
    """Apply one event of the agent's state table and write it on their timeline."""
    at = at or timezone.now()
    with transaction.atomic():
        agent = Agent.objects.select_for_update().get(pk=agent.pk)
        code, refused = sign_in_refusal(agent, event, at)
        if code:
            raise Conflict(refused, code=code)
        try:
            wrap_up = wrap_up_after(event, agent)
            row = move(agent, event, at=at, reason=reason, actor=actor, wrap_up=wrap_up)
        except TransitionRefused as refused:
            raise Conflict(refusal(event, refused.state)) from refused
        save_moves([agent], [row])
    return agent


def overflow_topology(centres: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Where each centre's overflow may go: regional → national, national → regional.

    ``centres`` are (code, kind) pairs; the answer feeds ``routing.Router(overflow=...)``.
    """
    pairs = list(centres)
    national = tuple(c for c, kind in pairs if kind == Centre.Kind.NATIONAL)
    regional = tuple(c for c, kind in pairs if kind == Centre.Kind.REGIONAL)
    topology = {c: national for c in regional if national}
    topology.update({c: regional for c in national if regional})
    return topology


def routing_configuration() -> tuple[list[QueueRule], dict[str, tuple[str, ...]]]:
    """The active queues' rules and the overflow topology: what the router is built from
    (this process's snapshot of them, ``configcache``)."""
    from vmeste.contactcenter import configcache

    current = configcache.snapshot()
    return current.rules, current.topology


def centre_zone(centre: Centre | None) -> ZoneInfo:
    """A centre's day is its region's day; a centre without a region (the national one)
    keeps the installation's time zone."""
    name = centre.region.time_zone if centre and centre.region_id else ""
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):  # a typo in the reference data
        return ZoneInfo(settings.TIME_ZONE)


def today_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight of ``now``'s date where the centre is (the start of its "today")."""
    return datetime.combine(now.astimezone(zone).date(), time.min, tzinfo=zone)


def _today_filter(now: datetime) -> tuple[Q, dict[str | None, str]]:
    """Calls offered since midnight of their own centre, and each centre's zone name."""
    by_zone: dict[str, list[int]] = {}
    zones: dict[str | None, str] = {}
    for centre in Centre.objects.select_related("region"):
        zone = centre_zone(centre)
        by_zone.setdefault(zone.key, []).append(centre.pk)
        zones[centre.code] = zone.key
    default = centre_zone(None)
    zones[None] = default.key
    condition = Q(centre__isnull=True, offered_at__gte=today_start(now, default))
    for key, ids in by_zone.items():
        condition |= Q(centre__in=ids, offered_at__gte=today_start(now, ZoneInfo(key)))
    return condition, zones


def wallboard(*, user, now: datetime | None = None) -> dict:
    """Per centre and line: calls waiting, longest wait, today's service level, abandoned
    (in a queue; those that ended in the voice menu apart: ``callfigures``);
    agents by state. Counts only, no personal data. Cached for a second per scope."""
    if not user.can(Right.SEE_FIGURES):
        raise Forbidden()
    regions, lines = user_scope(user)
    # Names and the definition are in the viewer's language.
    # No spaces in the key: memcached (and Django's key check) refuse them.
    scope = ",".join(map(str, sorted(regions))) + ";" + ",".join(map(str, sorted(lines)))
    key = f"cc-wallboard:{get_language()}:{scope}"
    board = cache.get(key) if now is None else None
    if board is None:
        board = _compute_wallboard(user, now or timezone.now())
        if now is None:
            cache.set(key, board, WALLBOARD_CACHE_SECONDS)
    return board


def _name(find: Callable[[str], Centre | Line | None], code: str) -> str:
    """The name in the current language, from the process's snapshot; "-" (calls with no
    centre or line) is not looked up, since a code it does not know makes it re-read."""
    item = find(code) if code != "-" else None
    return item.name if item is not None else code


# How far below its target a line's service level may fall before the wall shows it red.
SERVICE_LEVEL_WARNING_BAND = 0.10


def _target(line_code: str, centre: dict) -> dict:
    """The line's service-level target and where today's level stands against it: "good" at
    or above it, "warning" within the band below it, "bad" under that."""
    target = configcache.line_target(line_code) if line_code != "-" else None
    level = centre["lines"][line_code]["service_level_today"]
    share, seconds = target or (None, None)
    status = None
    if share is not None and level is not None:
        status = "good" if level >= share else "warning"
        if level < share - SERVICE_LEVEL_WARNING_BAND:
            status = "bad"
    return {"target_share": share, "target_seconds": seconds, "service_level_status": status}


def _compute_wallboard(user, now: datetime) -> dict:
    calls = scoped(Call.objects.all(), user)
    today, zones = _today_filter(now)
    centres: dict[str, dict] = {}

    def centre_entry(code: str | None) -> dict:
        entry = {
            "centre": code or "-",
            "time_zone": zones.get(code, zones[None]),  # "today" is the centre's own day
            "agents": {s.value: 0 for s in AgentState},
            "lines": {},
        }
        return centres.setdefault(code or "-", entry)

    def line_entry(centre: str | None, line: str | None) -> dict:
        return centre_entry(centre)["lines"].setdefault(
            line or "-",
            {
                "line": line or "-",
                "waiting": 0,
                "longest_wait_seconds": 0.0,
                "offered_today": 0,
                "answered_today": 0,
                "answered_within_target_today": 0,
                "abandoned_today": 0,
                "abandoned_in_menu_today": 0,
                "served_in_menu_today": 0,
                "service_level_today": None,
            },
        )

    for row in (
        scoped(Agent.objects.all(), user)
        .values("centre__code", "state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        centre_entry(row["centre__code"])["agents"][row["state"]] = row["n"]
    for row in (
        calls.filter(state=Call.State.WAITING)
        .values("centre__code", "line__code")
        .annotate(n=Count("id"), oldest=Min("offered_at"))
        .order_by()
    ):
        entry = line_entry(row["centre__code"], row["line__code"])
        entry["waiting"] = row["n"]
        entry["longest_wait_seconds"] = round(max(0.0, (now - row["oldest"]).total_seconds()), 1)
    # One definition with the published figures: a call that ended in the voice menu is
    # counted apart, neither offered nor abandoned (``callfigures``).
    for row in (
        calls.filter(today, offered_at__lte=now)
        .values("centre__code", "line__code")
        .annotate(**call_counts())
        .order_by()
    ):
        entry = line_entry(row["centre__code"], row["line__code"])
        for name in CALL_FIGURES:
            entry[f"{name}_today"] = row[name]
        entry["answered_within_target_today"] = entry.pop("within_target_today")
        entry["service_level_today"] = service_level(row)
    items = []
    for code in sorted(centres):
        entry = centres[code]
        entry["centre_name"] = _name(configcache.centre, code)
        entry["local_time"] = now.astimezone(ZoneInfo(entry["time_zone"])).strftime("%H:%M")
        entry["lines"] = [
            {**entry["lines"][k], "line_name": _name(configcache.line, k), **_target(k, entry)}
            for k in sorted(entry["lines"])
        ]
        items.append(entry)
    return {
        "at": now.isoformat(),
        "service_level_definition": str(SERVICE_LEVEL_DEFINITION),
        "centres": items,
    }


def save_queue(*, line: Line, code: str, values: dict) -> bool:
    """Create or update one queue of the line from its configuration; whether it changed.
    `values` are Queue fields; a queue brought back by a configuration is active again."""
    from vmeste.contactcenter.models import Queue

    queue = Queue.objects.filter(code=code).first()
    created = queue is None
    if created:
        queue = Queue(code=code, line=line)
    values = {**values, "line": line, "is_active": True}
    changed = [name for name, value in values.items() if getattr(queue, name) != value]
    for name in changed:
        setattr(queue, name, values[name])
    if changed or created:
        queue.full_clean(exclude=["line", "topic"])
        queue.save()
    return bool(changed) or created


def set_overflow(*, line: Line, targets: dict[str, str | None]) -> None:
    """Where each of the line's queues overflows (queue code → another queue's code, or
    None): saved after the queues themselves, which may name each other."""
    from vmeste.contactcenter.models import Queue

    queues = {q.code: q for q in Queue.objects.filter(line=line)}
    for code, target in targets.items():
        queue, wanted = queues.get(code), queues.get(target or "")
        if queue is not None and queue.overflow_to_id != (wanted.pk if wanted else None):
            queue.overflow_to = wanted
            queue.save(update_fields=["overflow_to"])  # one save each: other processes hear


def retire_queues(*, line: Line, keep: set[str]) -> list[str]:
    """Deactivate the line's queues a configuration no longer names (calls keep pointing
    at them, so they are not deleted); the codes retired."""
    from vmeste.contactcenter.models import Queue

    codes = []
    for queue in Queue.objects.filter(line=line, is_active=True).exclude(code__in=keep):
        queue.is_active = False
        queue.save(update_fields=["is_active"])  # one save each: other processes hear of it
        codes.append(queue.code)
    return sorted(codes)


def save_agent(*, user, centre: Centre, skills: dict[str, int]) -> bool:
    """Make the user an agent of the centre with exactly these skills; whether it changed."""
    agent = Agent.objects.filter(user=user).first()
    if agent is None:
        Agent.objects.create(user=user, centre=centre, skills=dict(skills))
        return True
    if agent.centre_id == centre.pk and agent.skills == skills:
        return False
    agent.centre, agent.skills = centre, dict(skills)
    agent.save(update_fields=["centre", "skills"])
    return True
