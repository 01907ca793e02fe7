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
from django.utils import timezone

from vmeste.contactcenter import screenpop
from vmeste.contactcenter.models import Agent, AgentStateChange, Call
from vmeste.contactcenter.routing import Assignment, CallbackOffer, Router
from vmeste.contactcenter.services import routing_configuration
from vmeste.contactcenter.transitions import AgentEvent, AgentState, next_state


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
        and call.offered_at + timedelta(seconds=wait) <= now
    )


def dispatch(*, now: datetime | None = None) -> Dispatched:
    """Give waiting calls to available agents and offer callbacks that fell due."""
    now = now or timezone.now()
    moment = now.timestamp()
    with transaction.atomic():
        ready = list(
            Agent.objects.select_for_update()
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
        rules, topology = routing_configuration()
        router = Router(queues=rules, clock=lambda: moment, overflow=topology)
        signed_in = Agent.objects.exclude(state=AgentState.OFFLINE).select_related("centre")
        for agent in signed_in:
            router.sign_in(agent.pk, centre=agent.centre.code, skills=agent.skills)
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
        calls = {c.pk: c for c in waiting}
        agents = {a.pk: a for a in ready}
        result = Dispatched([], [])
        for decision in decisions:
            if isinstance(decision, Assignment):
                call, agent = calls[decision.call_id], agents[decision.agent_id]
                _ring(call, agent, now)
                result.rung.append(Rung(call.call_id, agent.user.username, decision.callback))
            elif isinstance(decision, CallbackOffer):
                call = calls[decision.call_id]
                # The rebuilt router forgets what it offered before: the row remembers.
                if call.callback_offered_at is None and call.state == Call.State.WAITING:
                    call.callback_offered_at = now
                    call.save(update_fields=["callback_offered_at"])
                    result.callback_offers.append(call.call_id)
        return result


def _ring(call: Call, agent: Agent, now: datetime) -> None:
    call.state, call.agent = Call.State.RINGING, agent
    call.save(update_fields=["state", "agent"])
    old = AgentState(agent.state)
    agent.state = next_state(old, AgentEvent.RING)
    agent.state_since, agent.call = now, call
    agent.save(update_fields=["state", "state_since", "call"])
    AgentStateChange.objects.create(
        agent=agent, at=now, event=AgentEvent.RING, from_state=old, to_state=agent.state, call=call
    )
    screenpop.announce(agent.user_id)  # sent when this transaction commits
