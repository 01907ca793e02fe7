"""A warm transfer to an agent of ours: the colleague consulted is reserved for the call.

The agent talking to the caller asks (``transferorders.ask`` with ``consult``) to consult
a colleague by name, or the next free agent of a queue (the router's choice among the
free agents, as the dispatch would give them a call of that queue). The colleague must be
free now — a consultation is never queued — and is reserved at once with the states the
table already has: rung (``ringing``, their ``Agent.call`` the caller's call, which pops up
on their card) so that no dispatch gives them another call, then ``on_call`` when their
phone answers. ``Call.consulted`` names them while the consultation goes on: the events of
the call look at it (a field of the row they lock anyway) and nothing else, so events of
calls nobody consults cost nothing more.

The media node holding the call tells how it went, as ``consult`` telephony events
(``record``): ``answered``; ``failed`` (busy, no answer: not ready, as after any call they
let ring out); ``over`` (given back to the caller, or they hung up: free at once, without
a wrap-up — the caller is not theirs). «Соединить» is the call's own ``call_transferred``
(``to_agent``, ``warm``): the call is theirs from then on, the first agent to wrap-up,
counted once (``calllog``, ``callevents``); ``follow`` then drops the mark. A caller who
hangs up meanwhile frees the colleague too (``follow``), and a reservation whose order no
media node took in time is freed (``release_stale``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.contactcenter import configcache, dispatch, screenpop
from vmeste.contactcenter.freeagents import free_at
from vmeste.contactcenter.models import Agent, AgentStateChange, Call, TransferOrder
from vmeste.contactcenter.routing import Assignment
from vmeste.contactcenter.services import move, save_moves
from vmeste.contactcenter.transitions import AgentEvent, AgentState
from vmeste.contactcenter.waiting import Waiting
from vmeste.core.errors import Conflict

OUTCOMES = ("answered", "failed", "over")


def reserve(*, call: Call, asker: Agent, to_agent: str, to_queue: str, now: datetime) -> Agent:
    """The colleague to consult (named, or picked from ``to_queue``), rung for ``call``
    (locked by the caller). Refused when they are not free now, or nobody of the queue is."""
    release_stale(now)
    if to_agent:
        colleague = _locked(Agent.objects.filter(user__username=to_agent)).first()
        if colleague is None or not _free(colleague, now):
            raise Conflict(
                _("Оператор «%s» сейчас не свободен: консультация невозможна.") % to_agent
            )
    else:
        colleague = _pick(call, asker, to_queue, now)
        if colleague is None:
            raise Conflict(
                _("В очереди «%s» сейчас нет свободного оператора: консультация невозможна.")
                % to_queue
            )
    rows = []
    if colleague.state == AgentState.WRAP_UP:  # their wrap-up time is over
        rows.append(move(colleague, AgentEvent.WRAP_DONE, at=colleague.wrap_up_until))
    colleague.call = call
    rows.append(move(colleague, AgentEvent.RING, at=now))
    save_moves([colleague], rows)
    call.consulted = colleague
    Call.objects.filter(pk=call.pk).update(consulted=colleague)
    screenpop.announce(colleague.user_id)  # the caller's card, as for any call rung
    return colleague


def _locked(agents):
    return agents.select_for_update(of=("self",)).select_related("user")


def _free(agent: Agent, now: datetime) -> bool:
    """As the dispatch sees it (``freeagents.free_at``): available, or their wrap-up over."""
    return agent.state == AgentState.AVAILABLE or (
        agent.state == AgentState.WRAP_UP
        and agent.wrap_up_until is not None
        and agent.wrap_up_until <= now
    )


def _pick(call: Call, asker: Agent, to_queue: str, now: datetime) -> Agent | None:
    """The free agent the router would give a call of ``to_queue`` arriving now from the
    call's centre: the dispatch's own decision (``dispatch.decide``) on a stand-in call."""
    queue = configcache.queue(to_queue)
    if queue is None:
        return None
    free = list(_locked(Agent.objects.filter(free_at(now))).order_by("state_since", "pk"))
    stand_in = Waiting(
        pk=0, call_id=call.call_id, queue_id=queue.pk,
        centre_id=call.centre_id or asker.centre_id, priority=0.0, offered_at=now,
        callback_requested=False, callback_offered_at=None, requeued_at=None,
        wanted_agent="", answered_at=None, callback_failed_at=None, revision=0,
    )  # fmt: skip
    decided = dispatch.decide([stand_in], free, now.timestamp(), dispatch.Signed())
    chosen = next((d.agent_id for d in decided if isinstance(d, Assignment)), None)
    return next((agent for agent in free if agent.pk == chosen), None)


def record(call_id: str, data: dict, at: datetime) -> tuple[str, bool]:
    """A ``consult`` event from the media node (``agent``, ``outcome``): answers why it
    changed nothing ("" when it did), and whether the colleague is free again."""
    outcome = data.get("outcome", "")
    if outcome not in OUTCOMES:
        return "unknown consult outcome", False
    call = Call.objects.select_for_update(of=("self",)).filter(call_id=call_id).first()
    if call is None or call.consulted_id is None:
        return "no consultation on this call", False
    colleague = _locked(Agent.objects.filter(pk=call.consulted_id)).first()
    if colleague is None or colleague.user.username != data.get("agent", ""):
        return "another agent is consulted", False
    at = max(at, colleague.state_since)  # never before their ring, whatever the node's clock
    if outcome == "answered":
        if colleague.state != AgentState.RINGING or colleague.call_id != call.pk:
            return "not ringing for this call", False
        save_moves([colleague], [move(colleague, AgentEvent.ANSWER, at=at)])
        return "", False
    return "", release(call, colleague, at, missed=outcome == "failed")


def follow(call: Call) -> bool:
    """After an event of a call a colleague is consulted on (locked, ``callevents``): the
    call put through to them (their call now: the mark dropped) or over (they are freed).
    Answers whether they are free again."""
    if call.agent_id == call.consulted_id:
        call.consulted = None
        Call.objects.filter(pk=call.pk).update(consulted=None)
        return False
    if call.state in (Call.State.ANSWERED, Call.State.DIALING) and call.agent_id is not None:
        return False  # the consultation goes on
    colleague = _locked(Agent.objects.filter(pk=call.consulted_id)).first()
    if colleague is None:
        return False
    return release(call, colleague, timezone.now())


def release(call: Call, colleague: Agent, at: datetime, *, missed: bool = False) -> bool:
    """The colleague (locked) let go of the call: a ring they missed makes them not ready
    (``missed``), any other end frees them at once; the call's mark dropped. Answers
    whether they are free."""
    rows: list[AgentStateChange] = []
    if colleague.call_id == call.pk:
        if colleague.state == AgentState.RINGING:
            event = AgentEvent.NO_ANSWER if missed else AgentEvent.CALLER_GONE
            rows.append(move(colleague, event, at=at))
        elif colleague.state == AgentState.ON_CALL:  # no wrap-up: the caller is not theirs
            rows.append(move(colleague, AgentEvent.HANG_UP, at=at, wrap_up=0))
        colleague.call = None
        save_moves([colleague], rows)
    call.consulted = None
    Call.objects.filter(pk=call.pk).update(consulted=None)
    return _free(colleague, at)


def release_stale(now: datetime) -> int:
    """Reservations whose consult order no media node took within ``ORDER_SECONDS`` (it is
    never carried out then): the colleague freed. Few rows: the consultations going on."""
    from vmeste.contactcenter.transferorders import ORDER_SECONDS

    since = now - timedelta(seconds=ORDER_SECONDS)
    freed = 0
    for call in Call.objects.filter(consulted__state=AgentState.RINGING):
        last = (
            TransferOrder.objects.filter(call=call, step=TransferOrder.Step.CONSULT)
            .order_by("-pk")
            .first()
        )
        if last is not None and (last.taken_at is not None or last.asked_at >= since):
            continue
        with transaction.atomic():
            locked = Call.objects.select_for_update(of=("self",)).filter(pk=call.pk).first()
            colleague = _locked(Agent.objects.filter(pk=call.consulted_id)).first()
            if locked is not None and colleague is not None and locked.consulted_id == colleague.pk:
                freed += release(locked, colleague, now)
    return freed
