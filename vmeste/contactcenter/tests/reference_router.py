"""A slow, obviously-correct router the fast one must agree with, decision for decision.

It scans everything on every operation: before and after each change it matches waiting
calls, best score first, each to the longest-idle eligible ready agent. That is the rule
the fast router keeps with indexes and timers.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmeste.contactcenter.routing import Assignment, CallbackOffer, QueueRule, RoutingError


@dataclass
class RefCall:
    id: str
    rule: QueueRule
    centre: str
    priority: float
    arrived: float
    seq: int
    state: str = "waiting"
    callback: bool = False
    offer_due_seen: bool = False
    agent: str | None = None

    @property
    def rank(self) -> tuple[float, int]:
        return (self.arrived - self.priority, self.seq)


@dataclass
class RefAgent:
    id: str
    centre: str
    skills: dict[str, int]
    ready: bool = False
    ready_seq: int = 0
    call: RefCall | None = None


class ReferenceRouter:
    def __init__(self, *, queues, clock, overflow=None):
        self.rules = {q.code: q for q in queues}
        self.clock = clock
        self.overflow = {c: tuple(t) for c, t in (overflow or {}).items()}
        self.agents: dict[str, RefAgent] = {}
        self.calls: dict[str, RefCall] = {}
        self.seq = 0

    def eligible(self, agent: RefAgent, call: RefCall, now: float) -> bool:
        skill = call.rule.skill
        if agent.skills.get(skill, 0) < call.rule.min_level(call.arrived, now):
            return self.spills_to(agent, call, now)
        if agent.centre == call.centre:
            return True
        if agent.centre not in self.overflow.get(call.centre, ()):
            return False
        home_signed = any(
            a.centre == call.centre and skill in a.skills for a in self.agents.values()
        )
        return call.rule.overflow_due(call.arrived, now) or not home_signed

    def spills_to(self, agent: RefAgent, call: RefCall, now: float) -> bool:
        """Overflow between queues: after the wait, the other queue's agents too."""
        target = self.rules.get(call.rule.overflow_to or "")
        if target is None or not call.rule.overflow_due(call.arrived, now):
            return False
        if agent.skills.get(target.skill, 0) < target.min_level(call.arrived, now):
            return False
        return agent.centre == call.centre or agent.centre in self.overflow.get(call.centre, ())

    def _match(self, now: float) -> list:
        out: list = []
        for call in sorted(self.calls.values(), key=lambda c: c.rank):
            if call.state != "waiting":
                continue
            ready = [a for a in self.agents.values() if a.ready and self.eligible(a, call, now)]
            if ready:
                agent = min(ready, key=lambda a: a.ready_seq)
                call.state, call.agent = "assigned", agent.id
                agent.call, agent.ready = call, False
                out.append(Assignment(call.id, agent.id, now, call.callback))
        return out

    def _before(self) -> tuple[float, list]:
        now = self.clock()
        out: list = []
        for call in self.calls.values():
            after = call.rule.callback_after
            if after is None or call.offer_due_seen or now < call.arrived + after:
                continue
            call.offer_due_seen = True
            if call.state == "waiting" and not call.callback:
                out.append(CallbackOffer(call.id, call.arrived + after))
        return now, out + self._match(now)

    def sign_in(self, agent_id, *, centre, skills):
        if agent_id in self.agents:
            raise RoutingError(agent_id)
        self.agents[agent_id] = RefAgent(agent_id, centre, dict(skills))

    def sign_out(self, agent_id):
        agent = self.agents[agent_id]
        if agent.call is not None:
            raise RoutingError(agent_id)
        agent.ready = False
        now, out = self._before()
        del self.agents[agent_id]
        return out + self._match(now)

    def ready(self, agent_id):
        agent = self.agents[agent_id]
        if agent.call is not None:
            raise RoutingError(agent_id)
        now, out = self._before()
        if agent.call is not None:
            return out
        if not agent.ready:
            self.seq += 1
            agent.ready, agent.ready_seq = True, self.seq
        return out + self._match(now)

    def not_ready(self, agent_id):
        agent = self.agents[agent_id]
        _now, out = self._before()
        agent.ready = False
        return out

    def finish(self, agent_id):
        agent = self.agents[agent_id]
        if agent.call is None:
            raise RoutingError(agent_id)
        _now, out = self._before()
        del self.calls[agent.call.id]
        agent.call = None
        return out

    def no_answer(self, agent_id):
        agent = self.agents[agent_id]
        if agent.call is None:
            raise RoutingError(agent_id)
        now, out = self._before()
        call, agent.call = agent.call, None
        call.state, call.agent = "waiting", None
        return out + self._match(now)

    def offer(self, call_id, *, queue, centre, priority=0.0):
        if call_id in self.calls:
            raise RoutingError(call_id)
        now, out = self._before()
        self.seq += 1
        self.calls[call_id] = RefCall(call_id, self.rules[queue], centre, priority, now, self.seq)
        return out + self._match(now)

    def abandon(self, call_id):
        _now, out = self._before()
        call = self.calls.get(call_id)
        if call is not None and call.state == "waiting":
            del self.calls[call_id]
        return out

    def request_callback(self, call_id):
        call = self.calls.get(call_id)
        if call is None or call.state != "waiting":
            raise RoutingError(call_id)
        call.callback = True

    def tick(self):
        return self._before()[1]

    @property
    def waiting_count(self) -> int:
        return sum(1 for c in self.calls.values() if c.state == "waiting")
