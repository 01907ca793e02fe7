"""Telephony events in: each stored once, each call refolded, each call a Contact.

Idempotent: an event id seen before changes nothing. Tolerant of order: the call is
refolded from all its events (``calllog.fold``) after every new one. Unknown calls (an
"answered" for a call never offered) become calls all the same.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from vmeste.contactcenter.calllog import EVENT_TYPES, CallEvent, CallSummary, fold
from vmeste.contactcenter.dispatch import dispatch
from vmeste.contactcenter.models import Agent, Call, Queue, TelephonyEvent
from vmeste.contactcenter.services import change_agent_state
from vmeste.contactcenter.transitions import AgentEvent, AgentState
from vmeste.contacts import services as contact_services
from vmeste.contacts.models import Contact
from vmeste.core.errors import ServiceError, ValidationFailed
from vmeste.core.models import Centre, Line

AGENT_STATE = "agent_state"
TYPES = (*EVENT_TYPES, AGENT_STATE)


def record_event(
    *, event_id: str, type: str, at: datetime, call_id: str = "", data: dict | None = None
) -> dict:
    """Store the event (once) and apply it. Answers what happened, never fails on order."""
    data = {k: v for k, v in (data or {}).items() if v not in (None, "", [])}
    if type not in TYPES:
        raise ValidationFailed({"type": f"one of {', '.join(TYPES)}"})
    if type != AGENT_STATE and not call_id:
        raise ValidationFailed({"call_id": "required for call events"})
    try:
        with transaction.atomic():
            event = TelephonyEvent.objects.create(
                event_id=event_id, type=type, call_id=call_id, at=at, data=data
            )
            if type == AGENT_STATE:
                event.outcome = _apply_agent_event(data, at)
                event.save(update_fields=["outcome"])
            else:
                call = _refold(call_id)
    except IntegrityError:
        if not TelephonyEvent.objects.filter(event_id=event_id).exists():
            raise
        # Routed all the same: a retry after an error (stored, then the dispatch failed)
        # must not leave a waiting call and a free agent apart.
        return {
            "event_id": event_id,
            "duplicate": True,
            "outcome": "already recorded",
            **dispatch().as_dict(),
        }
    # A new waiting call or a newly available agent: route now (its own transaction,
    # so that the locks are always taken agents first, then calls). What it decided goes
    # back to the telephony in this answer: whom to ring, whom to offer a callback.
    decided = dispatch().as_dict()
    if type == AGENT_STATE:
        return {"event_id": event_id, "duplicate": False, "outcome": event.outcome, **decided}
    call.refresh_from_db()
    return {
        "event_id": event_id,
        "duplicate": False,
        "outcome": "",
        "call": call_state(call),
        **decided,
    }


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


def _apply_agent_event(data: dict, at: datetime) -> str:
    agent = Agent.objects.filter(user__username=data.get("agent", "")).first()
    if agent is None:
        return "unknown agent"
    try:
        event = AgentEvent(data.get("event", ""))
    except ValueError:
        return "unknown agent event"
    if agent.state_since > at:
        return "older than the agent's state"  # a late event must not undo a newer one
    ringing = agent.call if agent.state == AgentState.RINGING else None
    try:
        change_agent_state(agent=agent, event=event, reason=data.get("reason", ""), at=at)
    except ServiceError as refused:
        return refused.message[:200]
    if ringing is not None and event in (AgentEvent.NO_ANSWER, AgentEvent.CALLER_GONE):
        Agent.objects.filter(pk=agent.pk).update(call=None)
        if ringing.state == Call.State.RINGING:  # back in its place, for someone else
            ringing.state, ringing.agent = Call.State.WAITING, None
            ringing.save(update_fields=["state", "agent"])
    return ""


def _refold(call_id: str) -> Call:
    events = TelephonyEvent.objects.filter(call_id=call_id).order_by("pk")
    summary = fold([CallEvent(e.type, e.at, e.pk, e.data) for e in events])
    call, _created = Call.objects.get_or_create(
        call_id=call_id, defaults={"offered_at": summary.offered_at}
    )
    call = Call.objects.select_for_update().get(pk=call.pk)
    # Refold again under the lock: an event of the same call may have landed meanwhile.
    events = TelephonyEvent.objects.filter(call_id=call_id).order_by("pk")
    summary = fold([CallEvent(e.type, e.at, e.pk, e.data) for e in events])
    rang = call.agent if call.state == Call.State.RINGING else None
    previous = call.agent
    _apply_summary(call, summary)
    if summary.state == "waiting" and rang is not None:
        call.state, call.agent = Call.State.RINGING, rang  # routed, not yet answered
    call.save()
    if previous is not None and call.agent is not None and previous != call.agent:
        _hand_over(call, previous, call.agent, summary)
    _follow_agent(call, summary, call.agent or rang)
    record_contact(call=call, summary=summary)
    return call


def _apply_summary(call: Call, s: CallSummary) -> None:
    line = Line.objects.filter(code=s.line).first() if s.line else None
    queue = None
    if s.queue:
        queue = Queue.objects.filter(code=s.queue).first()
    elif line is not None and s.ivr_path:
        queue = Queue.objects.filter(line=line, ivr_path=s.ivr_path).first()
    call.line = line or (queue.line if queue else None)
    call.queue = queue
    call.centre = Centre.objects.filter(code=s.centre).first() if s.centre else None
    call.agent = Agent.objects.filter(user__username=s.agent).first() if s.agent else None
    call.caller_number, call.ivr_path = s.caller_number, s.ivr_path
    call.priority = queue.priority_for(set(s.flags)) if queue else 0.0
    call.offered_at, call.answered_at, call.ended_at = s.offered_at, s.answered_at, s.ended_at
    call.state = s.state
    call.wait_seconds, call.talk_seconds = s.wait_seconds, s.talk_seconds
    target = queue.target_seconds if queue else 20
    call.answered_within_target = (
        s.answered_at is not None and s.wait_seconds is not None and s.wait_seconds <= target
    )
    call.disposition = s.disposition
    call.callback_requested = s.callback


def _hand_over(call: Call, old: Agent, new: Agent, summary: CallSummary) -> None:
    """A transfer: the first agent goes to wrap-up, the second takes the caller."""
    old.refresh_from_db()
    if old.call_id == call.pk:
        if old.state == AgentState.ON_CALL:
            change_agent_state(agent=old, event=AgentEvent.HANG_UP)
        elif old.state == AgentState.RINGING:  # someone else picked it up
            change_agent_state(agent=old, event=AgentEvent.CALLER_GONE)
        Agent.objects.filter(pk=old.pk).update(call=None)
    new.refresh_from_db()
    if new.state == AgentState.AVAILABLE and summary.state == "answered":
        change_agent_state(agent=new, event=AgentEvent.RING)
        Agent.objects.filter(pk=new.pk).update(call=call)


def _follow_agent(call: Call, summary: CallSummary, agent: Agent | None) -> None:
    """Move the agent along with their call when the telephony did not say it itself."""
    if agent is None:
        return
    agent.refresh_from_db()
    step = None
    if summary.state == "abandoned" and agent.state == AgentState.RINGING:
        step = AgentEvent.CALLER_GONE
    elif summary.state == "answered" and agent.state == AgentState.RINGING:
        step = AgentEvent.ANSWER
    elif summary.state == "ended" and agent.state in (AgentState.RINGING, AgentState.ON_CALL):
        step = AgentEvent.ANSWER if agent.state == AgentState.RINGING else AgentEvent.HANG_UP
    if step is not None:
        change_agent_state(agent=agent, event=step, at=summary.answered_at or timezone.now())
        if step is AgentEvent.ANSWER and summary.state == "ended":
            change_agent_state(agent=agent, event=AgentEvent.HANG_UP, at=summary.ended_at)
    if summary.state in ("ended", "abandoned"):
        Agent.objects.filter(pk=agent.pk, call=call).update(call=None)


def record_contact(*, call: Call, summary: CallSummary) -> Contact | None:
    """Every call, answered or abandoned, becomes a Contact of the intake core, through
    the intake's own service (its rules for numbers, regions and outcomes live there)."""
    if call.line_id is None:
        return None  # not a call of a line we know (yet): a later event may tell us
    region = None
    if call.centre_id and call.centre.kind == Centre.Kind.REGIONAL:
        region = call.centre.region
    return contact_services.record_call(
        contact_services.CallRecord(
            call_id=call.call_id,
            line=call.line,
            started_at=call.offered_at,
            caller_number=call.caller_number,
            ended_at=call.ended_at,
            ivr_path=call.ivr_path,
            queue_code=call.queue.code if call.queue_id else summary.queue,
            wait_seconds=call.wait_seconds,
            talk_seconds=call.talk_seconds,
            region=region,
            operator=call.agent.user if call.agent_id else None,
            abandoned=call.state == Call.State.ABANDONED,
            callback_pending=call.callback_requested and call.answered_at is None,
            disposition=call.disposition,
        )
    )
