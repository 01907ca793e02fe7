"""One telephony event applied to its call: the call's row, its agents, its Contact.

The call's row is locked first (events of one call are applied one at a time, whichever
server process takes them). It keeps the call's folded summary and the position of its
latest event (``Call.folded``): an event that comes after that position is one
``calllog.step`` on the summary; one that comes before (out of order on the wire) makes
the call refold from all its stored events. Either way the summary is the fold of all the
call's events, so order never matters; only the cost does.

Then the agents the call concerns are locked (in primary-key order, in one query) and
moved along when the telephony did not say it itself; the Contact is written through
``contacts.services.record_call`` when a field it keeps has changed. Queues, lines and
centres come from this process's snapshot (``configcache``), not from a query per event.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.utils import timezone

from vmeste.contactcenter import calllog, configcache, consults, waiting
from vmeste.contactcenter.calllog import CallEvent, CallSummary
from vmeste.contactcenter.models import Agent, Call, TelephonyEvent
from vmeste.contactcenter.services import Moves, move, wrap_up_for
from vmeste.contactcenter.transitions import AgentEvent, AgentState
from vmeste.contacts import services as contact_services
from vmeste.core.models import Centre


class Applied(NamedTuple):
    call: Call
    # A call now waiting that was not (or waits in another queue), or an agent now
    # available: who can be matched has changed, so the dispatch must run.
    matching_changed: bool
    # The event inserted the call's row and locked nothing else (no agent): no other
    # transaction can be waiting for what it holds.
    holds_only_its_new_call: bool = False


def apply_call_event(event: TelephonyEvent) -> Applied:
    """Apply a stored call event (inside the caller's transaction)."""
    new = CallEvent(event.type, event.at, event.pk, event.data)
    fresh = call = None
    held = event.type in WITH_AGENT and _locked_with_agent(event.call_id)
    if held:
        call = held
    elif event.type != "call_offered":
        call = _locked(event.call_id)
    if call is None:  # most likely a new call: written whole from this event alone
        fresh = _insert(event.call_id, new)
        pk, folded = Call.objects.values_list("pk", "folded").get(call_id=event.call_id)
        if (folded or {}).get("seq") != new.seq:  # another event of it wrote it first
            fresh, call = None, _locked(event.call_id)
    if fresh is not None:  # the row is the one just written (ours until we commit)
        fresh.pk, fresh._state.adding = pk, False
        call, before, summary = fresh, None, calllog.load(fresh.folded["summary"])
    else:  # the call was there (or another process wrote it a moment before us)
        before = _Before.of(call)
        summary = _summarise(call, new)
        _apply_summary(call, summary)
    rang = before.agent if before and before.state == Call.State.RINGING else None
    if summary.state == "waiting" and rang is not None:
        call.state, call.agent = Call.State.RINGING, rang  # routed, not yet answered
    if before is not None:
        call.revision += 1  # the row is locked: no other writer between read and write
        call.save()
    waiting.note(call)
    # Vmeste's own end of a call its media node lost: why, on the agent's timeline.
    why = event.data.get("reason", "") if event.data.get(calllog.LOST) else ""
    freed = _follow(call, summary, before, rang, held=before.agent if held else None, why=why)
    if call.consulted_id is not None:  # a colleague consulted on this call (rare)
        freed = consults.follow(call) or freed
    if before is None or before.contact != _contact_fields(call):
        record_contact(call=call, summary=summary, first=before is None)
    waits = call.state == Call.State.WAITING and (
        before is None or before.state != Call.State.WAITING or before.queue_id != call.queue_id
    )
    return Applied(call, waits or freed, fresh is not None and call.agent_id is None)


# Events about the call's agent: their call is locked together with that agent's row.
WITH_AGENT = frozenset(
    {
        "call_answered",
        "call_ended",
        "call_transferred",
        "callback_dialing",
        "callback_answered",
        "callback_failed",
    }
)


class _Before(NamedTuple):
    state: str
    agent: Agent | None
    queue_id: int | None
    contact: tuple

    @classmethod
    def of(cls, call: Call) -> _Before:
        return cls(call.state, call.agent, call.queue_id, _contact_fields(call))


def _locked(call_id: str) -> Call | None:
    return (
        Call.objects.select_for_update(of=("self",))
        .select_related("agent__user")
        .filter(call_id=call_id)
        .first()
    )


def _locked_with_agent(call_id: str) -> Call | None:
    """The call and the agent who has it, both locked in one statement (the join is an
    inner one: a call without an agent is not found here)."""
    return (
        Call.objects.select_for_update(of=("self", "agent"))
        .select_related("agent__user")
        .filter(call_id=call_id, agent__user__isnull=False)
        .first()
    )


def _insert(call_id: str, new: CallEvent) -> Call:
    """The call as its first event tells it, inserted unless the row exists already
    (another event of the call, in another process, may have written it: then nothing)."""
    summary = calllog.step(CallSummary(), new)
    fresh = Call(call_id=call_id, folded=_kept(summary, new.at, new.seq))
    _apply_summary(fresh, summary)
    Call.objects.bulk_create([fresh], ignore_conflicts=True)
    return fresh


def _kept(summary: CallSummary, at: datetime, seq: int) -> dict:
    return {"summary": calllog.dump(summary), "at": at.isoformat(), "seq": seq}


def _summarise(call: Call, new: CallEvent) -> CallSummary:
    """The fold of all the call's events: one step when the event is the latest, the
    whole fold when it came out of order (or the call has no summary kept yet)."""
    kept = call.folded or {}
    if kept and new.seq == kept["seq"]:
        return calllog.load(kept["summary"])
    if kept and calllog.position(new) > (datetime.fromisoformat(kept["at"]), kept["seq"]):
        summary, last = calllog.step(calllog.load(kept["summary"]), new), new
    else:
        events = [
            CallEvent(type_, at, pk, data)
            for type_, at, pk, data in TelephonyEvent.objects.filter(call_id=call.call_id)
            .order_by("pk")
            .values_list("type", "at", "pk", "data")
        ]
        summary, last = calllog.fold(events), max(events, key=calllog.position)
    call.folded = _kept(summary, last.at, last.seq)
    return summary


def _apply_summary(call: Call, s: CallSummary) -> None:
    line = configcache.line(s.line)
    queue = None
    if s.queue:
        queue = configcache.queue(s.queue)
    elif line is not None:
        queue = configcache.branch(line.pk, s.ivr_path)
    call.line = line or (configcache.line_by_pk(queue.line_id) if queue else None)
    call.queue = queue
    call.centre = configcache.centre(s.centre)
    call.agent = _agent(call, s.agent)
    call.caller_number, call.ivr_path = s.caller_number, s.ivr_path
    call.menu_seconds = s.menu_seconds
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
    call.requeued_at, call.wanted_agent = s.requeued_at, s.wanted_agent
    call.transferred_to = s.transferred_to
    call.callback_attempts, call.callback_failures = s.callback_attempts, s.callback_failures
    call.callback_failed_at = s.callback_failed_at
    call.media_node = s.node


def _agent(call: Call, username: str) -> Agent | None:
    """The agent the summary names: the one the row holds already, or found by name."""
    if not username:
        return None
    held = call.agent if call.agent_id else None
    if held is not None and held.user.username == username:
        return held
    return Agent.objects.select_related("user").filter(user__username=username).first()


def _follow(
    call: Call,
    summary: CallSummary,
    before: _Before | None,
    rang: Agent | None,
    *,
    held: Agent | None = None,
    why: str = "",
) -> bool:
    """Move the agents along with their call when the telephony did not say it itself:
    a transfer hands the caller over, an answer or a hang-up moves the one who has it.
    ``held``: the agent locked with the call already. Answers whether one of them became
    available."""
    previous = before.agent if before else None
    handover = previous is not None and call.agent is not None and previous.pk != call.agent.pk
    # The call no longer names the agent who talked to the caller (a transfer back to a
    # queue, a failed callback): they hang up and go to wrap-up.
    let_go = (
        previous is not None
        and call.agent is None
        and before.state in (Call.State.ANSWERED, Call.State.DIALING)
    )
    follows = call.agent or rang
    if not handover and not let_go and (follows is None or summary.state == "waiting"):
        return False  # nobody to move: a waiting call's agent (if rung) keeps ringing
    locked = {held.pk: held} if held is not None else {}
    ids = {a.pk for a in (previous, call.agent, follows) if a is not None} - set(locked)
    if ids:
        locked.update(
            (a.pk, a)
            for a in Agent.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk__in=ids)
            .order_by("pk")  # several at once in one order (the call's own came with it)
        )
    # The wrap-up of the queue the caller was in with the agent (a transfer moves them on).
    moves = _Moves(
        timezone.now(), wrap_up_for((before.queue_id if before else None) or call.queue_id), why
    )
    if handover and previous.pk in locked and call.agent.pk in locked:
        _hand_over(call, locked[previous.pk], locked[call.agent.pk], summary, moves)
    if let_go and previous.pk in locked:
        _let_go(call, locked[previous.pk], moves)
    if follows is not None and follows.pk in locked and summary.state != "waiting":
        _follow_agent(call, summary, locked[follows.pk], moves)
    if call.agent_id in locked:
        call.agent = locked[call.agent_id]
    freed = any(row.to_status == AgentState.AVAILABLE for row in moves.rows)
    moves.save()
    return freed


class _Moves(Moves):
    """The agents' steps of one event, written together (``Moves.save``)."""

    def __init__(self, now: datetime, wrap_up: int, why: str = "") -> None:
        super().__init__()
        self.now, self.wrap_up, self.why = now, wrap_up, why

    def step(self, agent: Agent, event: AgentEvent, at: datetime | None = None) -> None:
        # Vmeste's end of a lost call: why the agent hung up, or why their ring stopped.
        why = self.why if event in (AgentEvent.HANG_UP, AgentEvent.CALLER_GONE) else ""
        self.add(agent, move(agent, event, at=at or self.now, reason=why, wrap_up=self.wrap_up))

    def release(self, agent: Agent) -> None:
        agent.call = None
        self.add(agent)


def _hand_over(call: Call, old: Agent, new: Agent, summary: CallSummary, moves: _Moves) -> None:
    """A transfer: the first agent goes to wrap-up, the second takes the caller."""
    if old.call_id == call.pk:
        if old.state == AgentState.ON_CALL:
            moves.step(old, AgentEvent.HANG_UP)
        elif old.state == AgentState.RINGING:  # someone else picked it up
            moves.step(old, AgentEvent.CALLER_GONE)
        moves.release(old)
    if new.state == AgentState.AVAILABLE and summary.state == "answered":
        new.call = call
        moves.step(new, AgentEvent.RING)


def _let_go(call: Call, agent: Agent, moves: _Moves) -> None:
    if agent.call_id != call.pk:
        return  # they have moved on already
    if agent.state == AgentState.ON_CALL:
        moves.step(agent, AgentEvent.HANG_UP)
    elif agent.state == AgentState.RINGING:
        moves.step(agent, AgentEvent.CALLER_GONE)
    moves.release(agent)


def _follow_agent(call: Call, summary: CallSummary, agent: Agent, moves: _Moves) -> None:
    state = summary.state
    if agent.call_id is not None and agent.call_id != call.pk:
        return  # on another call now: a late word about this one must not move them
    if state == "abandoned" and agent.state == AgentState.RINGING:
        moves.step(agent, AgentEvent.CALLER_GONE, summary.ended_at)
    elif state == "dialing" and agent.state == AgentState.RINGING:
        moves.step(agent, AgentEvent.ANSWER)  # on the line while the caller is dialled
    elif state == "answered" and agent.state == AgentState.RINGING:
        moves.step(agent, AgentEvent.ANSWER, summary.answered_at)
    elif state == "ended" and agent.state in (AgentState.RINGING, AgentState.ON_CALL):
        if agent.state == AgentState.RINGING:
            moves.step(agent, AgentEvent.ANSWER, summary.answered_at)
        moves.step(agent, AgentEvent.HANG_UP, summary.ended_at)
    if state in ("ended", "abandoned") and agent.call_id == call.pk:
        moves.release(agent)


def _contact_fields(call: Call) -> tuple:
    """What ``record_contact`` writes: when none of it changed, the Contact is as it was."""
    told_queue = (call.folded or {}).get("summary", {}).get("queue")  # when none is known
    return (
        told_queue,
        call.line_id,
        call.centre_id,
        call.offered_at,
        call.caller_number,
        call.ended_at,
        call.ivr_path,
        call.queue_id,
        call.wait_seconds,
        call.talk_seconds,
        call.agent_id,
        call.state,
        call.callback_requested,
        call.answered_at,
        call.disposition,
    )


def record_contact(*, call: Call, summary: CallSummary, first: bool = False) -> None:
    """Every call, answered or abandoned, becomes a Contact of the intake core, through
    the intake's own service (its rules for numbers, regions and outcomes live there).
    ``first``: this event wrote the call's row, so no Contact of it exists yet."""
    if call.line_id is None:
        return  # not a call of a line we know (yet): a later event may tell us
    region = None
    centre = call.centre if call.centre_id else None
    if centre is not None and centre.kind == Centre.Kind.REGIONAL:
        region = centre.region
    contact_services.record_call(
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
            first=first,
        )
    )
