"""Telephony events in: each stored once, applied to its call or agent, then routed.

Idempotent: an event id seen before changes nothing. Tolerant of order: a call's summary
is the fold of all its events whatever order they came in (``callevents``). Unknown calls
(an "answered" for a call never offered) become calls all the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.contactcenter import configcache, consults, waiting
from vmeste.contactcenter.callevents import apply_call_event
from vmeste.contactcenter.calllog import EVENT_TYPES
from vmeste.contactcenter.dispatch import NOTHING, Dispatched, dispatch, offer_due
from vmeste.contactcenter.freeagents import lock_free
from vmeste.contactcenter.models import Agent, Call, TelephonyEvent
from vmeste.contactcenter.services import (
    Moves,
    move,
    refusal,
    sign_in_refusal,
    wrap_up_after,
)
from vmeste.contactcenter.transitions import (
    TRANSITIONS,
    AgentEvent,
    AgentState,
    TransitionRefused,
)
from vmeste.core.errors import ValidationFailed
from vmeste.core.retrying import retried

AGENT_STATE = "agent_state"
CONSULT = "consult"  # a colleague consulted answered, missed it or was let go (``consults``)
TYPES = (*EVENT_TYPES, AGENT_STATE, CONSULT)


def record_event(
    *,
    event_id: str,
    type: str,
    at: datetime,
    call_id: str = "",
    data: dict | None = None,
    now: datetime | None = None,
) -> dict:
    """Store the event (once) and apply it. Answers what happened, never fails on order.
    ``now`` is the moment the router decides at (the clock by default); the demo replays
    a past day's launch test calls through this same path at their own moment."""
    data = {k: v for k, v in (data or {}).items() if v not in (None, "", [])}
    if type not in TYPES:
        raise ValidationFailed({"type": f"one of {', '.join(TYPES)}"})
    if type != AGENT_STATE and not call_id:
        raise ValidationFailed({"call_id": "required for call events"})
    if type == "call_transferred":
        check_transfer(data)
    if type == "callback_failed":
        data["give_up"] = _last_attempt(call_id)
    now = now or timezone.now()

    def store_and_apply() -> _Applied:
        with transaction.atomic():
            return _store_and_apply(event_id, type, at, call_id, data, now)

    try:
        applied = retried(store_and_apply, what=f"telephony event {event_id}")
    except IntegrityError:
        if not TelephonyEvent.objects.filter(event_id=event_id).exists():
            raise
        # Routed all the same: a retry after an error (stored, then the dispatch failed)
        # must not leave a waiting call and a free agent apart.
        return {
            "event_id": event_id,
            "duplicate": True,
            "outcome": "already recorded",
            **dispatch(now=now).as_dict(),
        }
    call, decided = applied.call, applied.decided
    if decided is None:  # routed after the commit: see ``_store_and_apply``
        decided = NOTHING
        if applied.matching_changed:  # only then is the offer's due asked
            due = _arrived_due(call, now)
            decided = retried(
                lambda: dispatch(now=now, offers_due=due), what=f"dispatch after {event_id}"
            )
    answer = {"event_id": event_id, "duplicate": False, "outcome": applied.outcome}
    answer.update(decided.as_dict())
    if call is not None:
        answer["call"] = _after(call, decided)
    return answer


class _Applied(NamedTuple):
    call: Call | None
    outcome: str
    matching_changed: bool
    decided: Dispatched | None  # None: not routed yet (after the commit)


def _store_and_apply(
    event_id: str, type: str, at: datetime, call_id: str, data: dict, now: datetime
) -> _Applied:
    """The event stored and applied, and routed in the same transaction when that is safe.

    Only an event that made a call wait or an agent free goes to the dispatch: any other
    one (an answer, a hang-up, a break) cannot match anybody. What time alone makes due
    (a wrap-up over, a wait long enough to widen who may answer, a callback offer) is the
    heartbeat's (``POST /telephony/dispatch``). The dispatch runs in this transaction
    (one commit instead of two: a quarter of a «ready» on PostgreSQL) when the event
    locked no row another dispatcher could be waiting for first: an agent event that may
    free its agent locks that agent together with the free ones, in primary-key order
    (``lock_free``), and a call's first event holds only the row it inserted, which no
    other transaction sees yet. Any other event is routed after its commit, in a
    transaction of its own: it may hold its call and agent, locked before the others,
    and two servers deadlocked on that under load (bench_two_servers)."""
    if type == AGENT_STATE:
        # Applied first and stored with its outcome: a copy of an event already stored
        # fails on its id at the end and rolls the whole of it back.
        free = lock_free(now, also=data.get("agent", "")) if _may_free(data) else None
        moves = Moves()  # the agent's step, written with the dispatch's when one follows
        outcome, matching_changed = _apply_agent_event(data, at, free, moves)
        _store(event_id, type, call_id, at, data, outcome)
        if free is None or not matching_changed:
            moves.save()
            return _Applied(None, outcome, matching_changed, None)
        decided = dispatch(now=now, offers_due=False, free=free, moves=moves)
        return _Applied(None, outcome, True, decided)
    if type == CONSULT:  # a colleague's side of a consultation
        outcome, matching_changed = consults.record(call_id, data, at)
        _store(event_id, type, call_id, at, data, outcome)
        return _Applied(None, outcome, matching_changed, None)
    call, matching_changed, alone = apply_call_event(_store(event_id, type, call_id, at, data))
    if not (alone and matching_changed):
        return _Applied(call, "", matching_changed, None)
    decided = dispatch(now=now, offers_due=_arrived_due(call, now))
    return _Applied(call, "", True, decided)


def _store(
    event_id: str, type: str, call_id: str, at: datetime, data: dict, outcome: str = ""
) -> TelephonyEvent:
    return TelephonyEvent.objects.create(
        event_id=event_id, type=type, call_id=call_id, at=at, data=data, outcome=outcome
    )


def _may_free(data: dict) -> bool:
    """Whether an agent event may free its agent, or send the call they let ring back."""
    return data.get("event", "") in FREEING_EVENTS


# The agent events after which someone may be matched: the agent becomes available, or
# (letting it ring out) the call goes back to its queue.
FREEING_EVENTS = frozenset(
    {event for event, (_from, to) in TRANSITIONS.items() if to == AgentState.AVAILABLE}
    | {AgentEvent.NO_ANSWER}
)


def _arrived_due(call: Call | None, now: datetime) -> bool:
    """Whether the call this event made wait is due a callback offer already (its time in
    the menu counts): offered in this answer, not a heartbeat later."""
    if call is None or call.state != Call.State.WAITING or call.queue_id is None:
        return False
    return offer_due(waiting.of(call), now)


def check_transfer(data: dict) -> None:
    """A transfer names where the caller goes, and somewhere that exists: a caller sent
    to an unknown queue would wait where no agent ever looks."""
    to_queue, to_agent = data.get("to_queue", ""), data.get("to_agent", "")
    if not (to_queue or to_agent or data.get("to_number")):
        raise ValidationFailed({"to_queue": _("Укажите очередь, оператора или номер.")})
    queue = configcache.queue(to_queue) if to_queue else None
    if to_queue and (queue is None or not queue.is_active):
        raise ValidationFailed({"to_queue": _("Нет действующей очереди «%s».") % to_queue})
    if to_agent and not Agent.objects.filter(user__username=to_agent).exists():
        raise ValidationFailed({"to_agent": _("Нет оператора линии «%s».") % to_agent})


def _last_attempt(call_id: str) -> bool:
    """Whether this failure is the last one allowed (decided once, kept with the event,
    so that a refold of the call comes to the same end)."""
    failures = Call.objects.filter(call_id=call_id).values_list("callback_failures", flat=True)
    return (next(iter(failures), 0) + 1) >= settings.CALLBACK_ATTEMPTS


def callbacks_due(*, now: datetime) -> list[dict]:
    """The callbacks the edge places now: each given to an agent by the dispatch (rung
    with ``callback``), the agent's phone first, then the caller's number."""
    calls = (
        Call.objects.filter(state=Call.State.RINGING, callback_requested=True)
        .filter(answered_at__isnull=True, agent__isnull=False)
        .select_related("agent__user", "line")
        .order_by("offered_at", "pk")
    )
    return [
        {
            "call_id": call.call_id,
            "intent": "place_callback",
            "agent": call.agent.user.username,
            "caller_number": call.caller_number,
            "line": call.line.code if call.line_id else "",
            "attempt": call.callback_attempts + 1,
            "offered_at": call.offered_at.isoformat(),
            "given_at": call.agent.state_since.isoformat(),  # this ring's, told back if stranded
        }
        for call in calls
    ]


def _after(call: Call, decided: Dispatched) -> dict:
    """The call as this event left it, and as the dispatch just after it changed it."""
    state = call_state(call)
    for rung in decided.rung:
        if rung.call_id == call.call_id:
            state.update(state=Call.State.RINGING, agent=rung.agent)
    if call.call_id in decided.callback_offers:
        state["callback_offered"] = True
    return state


def call_state(call: Call) -> dict:
    return {
        "call_id": call.call_id,
        "state": call.state,
        "queue": call.queue.code if call.queue_id else None,
        "agent": call.agent.user.username if call.agent_id else None,
        "wait_seconds": call.wait_seconds,
        "talk_seconds": call.talk_seconds,
        "callback": call.callback_requested,
        "callback_offered": call.callback_offered_at is not None,
    }


def _apply_agent_event(
    data: dict, at: datetime, locked: list[Agent] | None, moves: Moves
) -> tuple[str, bool]:
    """Answers why the event changed nothing ("" when it did), and whether who can be
    matched changed (the agent became available, or the call they let ring went back).
    ``locked``: the agents locked already, the event's among them if it exists. The
    agent's step is added to ``moves``, for the caller to write."""
    name = data.get("agent", "")
    if locked is not None:
        agent = next((a for a in locked if a.user.username == name), None)
    else:
        agent = Agent.objects.select_for_update(of=("self",)).filter(user__username=name).first()
    if agent is None:
        return "unknown agent", False
    try:
        event = AgentEvent(data.get("event", ""))
    except ValueError:
        return "unknown agent event", False
    if agent.state_since > at:
        return "older than the agent's state", False  # a late event must not undo a newer one
    code, _refused = sign_in_refusal(agent, event, at)
    if code:
        return code.replace("_", " "), False  # "off shift", "no call card"
    ringing = agent.call_id if agent.state == AgentState.RINGING else None
    try:
        wrap_up = wrap_up_after(event, agent)
        row = move(agent, event, at=at, reason=data.get("reason", ""), wrap_up=wrap_up)
    except TransitionRefused as refused:
        return refusal(event, refused.state)[:200], False
    back = False
    if ringing is not None and event in (AgentEvent.NO_ANSWER, AgentEvent.CALLER_GONE):
        agent.call = None
        # Back in its place, for someone else (only if it still rang for this agent).
        back = bool(
            Call.objects.filter(pk=ringing, state=Call.State.RINGING, agent=agent).update(
                state=Call.State.WAITING, agent=None, revision=F("revision") + 1
            )
        )
    moves.add(agent, row)
    return "", back or agent.state == AgentState.AVAILABLE
