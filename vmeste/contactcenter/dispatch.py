"""Routing in the server: the pure router rebuilt from the database, its decisions saved.

Several server processes may take telephony events at once. Each dispatch locks the
available agents and the waiting calls (SELECT ... FOR UPDATE, in that order), so a
second dispatcher waits, then sees those rows no longer available/waiting: no agent is
rung twice and no call is given twice. On SQLite the write transaction serialises it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from vmeste.contactcenter.models import Agent, AgentStateChange, Call
from vmeste.contactcenter.routing import Assignment, Router
from vmeste.contactcenter.services import routing_configuration
from vmeste.contactcenter.transitions import AgentEvent, AgentState, next_state


def dispatch(*, now: datetime | None = None) -> list[tuple[str, str]]:
    """Give waiting calls to available agents; answers (call id, agent username) pairs."""
    now = now or timezone.now()
    moment = now.timestamp()
    with transaction.atomic():
        ready = list(
            Agent.objects.select_for_update()
            .filter(state=AgentState.AVAILABLE)
            .order_by("state_since", "pk")
        )
        waiting = list(
            Call.objects.select_for_update(of=("self",))
            .filter(state=Call.State.WAITING, queue__isnull=False, queue__is_active=True)
            .select_related("queue", "centre")
            .order_by("offered_at", "pk")
        )
        if not ready or not waiting:
            return []
        rules, topology = routing_configuration()
        router = Router(queues=rules, clock=lambda: moment, overflow=topology)
        signed_in = Agent.objects.exclude(state=AgentState.OFFLINE).select_related("centre")
        for agent in signed_in:
            router.sign_in(agent.pk, centre=agent.centre.code, skills=agent.skills)
        for call in waiting:
            router.offer(
                call.pk,
                queue=call.queue.code,
                centre=call.centre.code if call.centre_id else "",
                priority=call.priority,
                arrived=min(call.offered_at.timestamp(), moment),
            )
            if call.callback_requested:  # virtual hold: same place, we dial them back
                router.request_callback(call.pk)
        decisions = []
        for agent in ready:  # longest idle first: each takes the best call they may take
            decisions.extend(router.ready(agent.pk))
        calls = {c.pk: c for c in waiting}
        agents = {a.pk: a for a in ready}
        routed = []
        for decision in decisions:
            if isinstance(decision, Assignment):
                call, agent = calls[decision.call_id], agents[decision.agent_id]
                _ring(call, agent, now)
                routed.append((call.call_id, agent.user.username))
        return routed


def _ring(call: Call, agent: Agent, now: datetime) -> None:
    call.state, call.agent = Call.State.RINGING, agent
    call.save(update_fields=["state", "agent"])
    old = AgentState(agent.state)
    agent.state = next_state(old, AgentEvent.RING)
    agent.state_since, agent.call = now, call
    agent.save(update_fields=["state", "state_since", "call"])
    AgentStateChange.objects.create(
        agent=agent, at=now, event=AgentEvent.RING, from_state=old, to_state=agent.state
    )
