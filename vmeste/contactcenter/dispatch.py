"""Routing in the server: the pure router rebuilt from the database, its decisions saved.

Several server processes may take telephony events at once. Each dispatch locks the
available agents and the waiting calls (SELECT ... FOR UPDATE, in that order), so a
second dispatcher waits, then sees those rows no longer available/waiting: no agent is
rung twice and no call is given twice. On SQLite the write transaction serialises it.

The decisions go back to the telephony: whom to ring, and which callers have waited the
queue's maximum and must be offered a callback (each offered once: ``callback_offered_at``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.db.models import Exists, Min, Q
from django.utils import timezone

from vmeste.contactcenter import configcache, holding, screenpop
from vmeste.contactcenter.models import Agent, AgentStateChange, Call
from vmeste.contactcenter.routing import Assignment, CallbackOffer, Router
from vmeste.contactcenter.services import move, routing_configuration
from vmeste.contactcenter.transitions import AgentEvent, AgentState


class Rung(NamedTuple):
    call_id: str
    agent: str  # the agent's username
    callback: bool  # true: dial the caller back (they accepted a callback)


class Dispatched(NamedTuple):
    rung: list[Rung]
    callback_offers: list[str]  # call ids: the IVR offers these callers a callback now

    def as_dict(self) -> dict:
        return {
            "rung": [r._asdict() for r in self.rung],
            "callback_offers": list(self.callback_offers),
        }


NOTHING = Dispatched([], [])


def _offer_due(call: Call, now: datetime) -> bool:
    wait = call.queue.max_wait_seconds
    return (
        wait is not None
        and call.callback_offered_at is None
        and not call.callback_requested
        and call.requeued_at is None  # a transferred caller was answered once already
        and call.offered_at + timedelta(seconds=wait) <= now
    )


def dispatch_if_due(*, now: datetime | None = None) -> Dispatched:
    """``dispatch()``, asked first without locks whether it would find anything to do.

    It decides only when a call waits and an agent is free, or when a waiting caller's
    callback offer is due; one plain query tells whether either may be so (one row per
    queue with waiting calls), and only then the dispatch takes its locks and looks
    again. An event that changed neither the waiting calls nor the free agents (an answer,
    a hang-up, a break) costs this query, not the dispatch's locks: two server processes
    then do not queue behind each other's dispatch for nothing."""
    now = now or timezone.now()
    free = Agent.objects.filter(state=AgentState.AVAILABLE)
    rows = (
        Call.objects.filter(state=Call.State.WAITING, queue__is_active=True)
        .values("queue__max_wait_seconds")
        .annotate(
            unoffered=Min(
                "offered_at",
                filter=Q(
                    callback_offered_at__isnull=True,
                    callback_requested=False,
                    requeued_at__isnull=True,
                ),
            ),
            free=Exists(free),
        )
        .order_by()
    )
    for row in rows:
        wait, oldest = row["queue__max_wait_seconds"], row["unoffered"]
        if row["free"] or (
            wait is not None and oldest is not None and oldest + timedelta(seconds=wait) <= now
        ):
            return dispatch(now=now)
    return NOTHING


def dispatch(*, now: datetime | None = None) -> Dispatched:
    """Give waiting calls to available agents and offer callbacks that fell due."""
    now = now or timezone.now()
    moment = now.timestamp()
    with transaction.atomic():
        ready = list(
            Agent.objects.select_for_update(of=("self",))  # not their users' rows
            .filter(state=AgentState.AVAILABLE)
            .select_related("user")
            .order_by("state_since", "pk")
        )
        waiting = list(
            Call.objects.select_for_update(of=("self",))
            .filter(state=Call.State.WAITING, queue__isnull=False, queue__is_active=True)
            .select_related("queue", "centre")
            .order_by("offered_at", "pk")
        )
        if not waiting or not (ready or any(_offer_due(c, now) for c in waiting)):
            return NOTHING
        result = Dispatched([], [])
        rung = _ring_wanted(waiting, ready, result, now)
        waiting = [c for c in waiting if not _held(c, now)]
        decisions = _decide(waiting, ready, moment)
        calls = {c.pk: c for c in waiting}
        agents = {a.pk: a for a in ready}
        offered: list[Call] = []
        for decision in decisions:
            if isinstance(decision, Assignment):
                call, agent = calls[decision.call_id], agents[decision.agent_id]
                rung.append((call, agent))
                result.rung.append(Rung(call.call_id, agent.user.username, decision.callback))
            elif isinstance(decision, CallbackOffer):
                call = calls[decision.call_id]
                # The rebuilt router forgets what it offered before: the row remembers.
                if _offer_due(call, now):
                    call.callback_offered_at = now
                    offered.append(call)
                    result.callback_offers.append(call.call_id)
        _ring(rung, now)
        if offered:
            Call.objects.bulk_update(offered, ["callback_offered_at"])
        return result


def _decide(waiting: list[Call], ready: list[Agent], moment: float) -> list:
    """The router rebuilt from the signed-in agents and the waiting calls (each in the
    place of its first offer), then each ready agent, longest idle first, asks for a call."""
    rules, topology = routing_configuration()
    router = Router(queues=rules, clock=lambda: moment, overflow=topology)
    centres = configcache.snapshot().centres
    signed_in = Agent.objects.exclude(state=AgentState.OFFLINE).values_list(
        "pk", "centre_id", "skills"
    )
    for pk, centre_id, skills in signed_in:
        centre = centres.get(centre_id) or configcache.centre_by_pk(centre_id)
        router.sign_in(pk, centre=centre.code, skills=skills)
    decisions = []
    for call in waiting:
        decisions.extend(
            router.offer(
                call.pk,
                queue=call.queue.code,
                centre=call.centre.code if call.centre_id else "",
                priority=call.priority,
                arrived=min(call.offered_at.timestamp(), moment),
            )
        )
        if call.callback_requested:  # virtual hold: same place, we dial them back
            router.request_callback(call.pk)
    decisions.extend(router.tick())  # the offers of the last calls rebuilt
    for agent in ready:  # longest idle first: each takes the best call they may take
        decisions.extend(router.ready(agent.pk))
    return decisions


def _held(call: Call, now: datetime) -> bool:
    return (
        call.state != Call.State.WAITING
        or bool(holding.waits_for_agent(call, now))
        or (holding.held_back(call, now))
    )


def _ring_wanted(
    waiting: list[Call], ready: list[Agent], result: Dispatched, now: datetime
) -> list[tuple[Call, Agent]]:
    """Calls transferred to a named agent ring that agent when they are free (taken out
    of ``ready``); the others wait for them (``holding``)."""
    rung: list[tuple[Call, Agent]] = []
    for call in waiting:
        name = holding.waits_for_agent(call, now)
        agent = next((a for a in ready if a.user.username == name), None) if name else None
        if agent is not None:
            ready.remove(agent)
            call.state = Call.State.RINGING  # given: not offered to the router below
            rung.append((call, agent))
            result.rung.append(Rung(call.call_id, name, False))
    return rung


def _ring(rung: list[tuple[Call, Agent]], now: datetime) -> None:
    """The calls given, their agents rung and the rings on their timelines: three
    statements however many were given."""
    if not rung:
        return
    rows = []
    for call, agent in rung:
        call.state, call.agent = Call.State.RINGING, agent
        agent.call = call
        rows.append(move(agent, AgentEvent.RING, at=now))
    Call.objects.bulk_update([call for call, _agent in rung], ["state", "agent"])
    Agent.objects.bulk_update(
        [agent for _call, agent in rung], ["state", "state_since", "break_reason", "call"]
    )
    AgentStateChange.objects.bulk_create(rows)
    for _call, agent in rung:
        screenpop.announce(agent.user_id)  # sent when this transaction commits
