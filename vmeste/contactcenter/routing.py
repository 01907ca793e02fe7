"""The routing core: which signed-in agent answers which waiting call, and when.

Pure and deterministic: no I/O, no Django, time read from an injected clock. The web
server, the telephony events and the simulation harness all drive this same class.

Rules (Asterisk/FreeSWITCH habits, plus what they lack):
- A caller's score is their priority (seconds of waiting credit) plus the time waited.
  Every waiting caller's score grows at the same rate, so the ranking is fixed at arrival:
  we sort by ``key = arrived - priority`` and never re-sort.
- An agent who becomes ready takes the best-scored call they are eligible for; a call
  that finds ready agents goes to the longest-idle eligible one.
- Skill escalation: a queue's ``escalation`` lowers the minimum skill level as the wait
  grows. Eligibility only ever widens, and the caller keeps their key: no place is lost.
- Overflow: after ``overflow_after`` seconds, or at once when no agent of the home centre
  with the skill is signed in, agents of the centres in ``overflow[home]`` are eligible.
- Overflow between queues: after ``overflow_after`` seconds a call of a queue with
  ``overflow_to`` is offered to that queue's agents too (its skill, at the level that
  queue's escalation asks after the same wait), in the same centres; it keeps its key.
- Callback ("virtual hold"): a caller who accepts a callback keeps their key; when their
  turn comes the assignment says ``callback=True`` and the system dials them.

Between operations this state holds: no ready agent is eligible for any waiting call.
Every operation first applies the widenings that fell due (so decisions do not depend on
how often ``tick`` is called), then its own change, and returns the decisions it made.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from vmeste.contactcenter.routingrules import (
    Assignment,
    CallbackOffer,
    Decision,
    QueueRule,
    RoutingError,
)


class CallState(Enum):
    WAITING = "waiting"
    ASSIGNED = "assigned"
    GONE = "gone"


@dataclass(slots=True, eq=False)
class _Call:
    id: str
    rule: QueueRule
    centre: str
    priority: float
    arrived: float
    seq: int
    key: float
    state: CallState = CallState.WAITING
    callback: bool = False
    offered: bool = False  # a callback has been offered once
    queued: bool = False  # an entry for it sits in its bucket (maybe stale)
    agent: str | None = None


@dataclass(slots=True, eq=False)
class _Agent:
    id: str
    centre: str
    skills: dict[str, int]
    ready: bool = False
    ready_seq: int = 0
    call: _Call | None = None
    entries: list[tuple[str, str, int]] = field(default_factory=list)
    wrap_until: float | None = None  # in wrap-up until then, then ready by themselves


_WIDEN, _OFFER = 0, 1


class Router:
    def __init__(
        self,
        *,
        queues: Iterable[QueueRule],
        clock: Callable[[], float],
        overflow: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.clock = clock
        self.rules: dict[str, QueueRule] = {q.code: q for q in queues}
        # home centre -> centres that may take its overflow, and the reverse.
        self.overflow: dict[str, tuple[str, ...]] = {
            c: tuple(ts) for c, ts in (overflow or {}).items()
        }
        self._sources: dict[str, list[str]] = {}
        for home, targets in self.overflow.items():
            for target in targets:
                self._sources.setdefault(target, []).append(home)
        # skill -> (rule of a queue that overflows to a queue of that skill, that queue's)
        self._spills: dict[str, list[tuple[QueueRule, QueueRule]]] = {}
        for rule in self.rules.values():
            target = self.rules.get(rule.overflow_to or "")
            if target is not None and target is not rule and rule.overflow_after is not None:
                self._spills.setdefault(target.skill, []).append((rule, target))
        self.agents: dict[str, _Agent] = {}
        self.calls: dict[str, _Call] = {}
        # (centre, skill, level) -> ready agents as (ready_seq, agent id), oldest first.
        self._ready: dict[tuple[str, str, int], deque[tuple[int, str]]] = {}
        self._levels: dict[tuple[str, str], list[int]] = {}  # levels seen, descending
        self._bucket_agents: dict[tuple[str, str, int], int] = {}
        self._signed: dict[tuple[str, str], int] = {}  # (centre, skill) -> signed in
        # (skill, home centre) -> {(queue, priority): calls by arrival}; only live buckets.
        self._waiting: dict[tuple[str, str], dict[tuple[str, float], deque[_Call]]] = {}
        self._timers: list[tuple[float, int, int, _Call]] = []
        self._wrap_ends: list[tuple[float, int, str]] = []  # (until, seq, agent id)
        self._seq = 0
        self.waiting_count = 0

    # ---- agents -------------------------------------------------------------------

    def sign_in(self, agent_id: str, *, centre: str, skills: Mapping[str, int]) -> None:
        if agent_id in self.agents:
            raise RoutingError(f"agent {agent_id} is already signed in")
        agent = _Agent(agent_id, centre, dict(skills))
        self.agents[agent_id] = agent
        for skill, level in agent.skills.items():
            self._signed[centre, skill] = self._signed.get((centre, skill), 0) + 1
            bucket = (centre, skill, level)
            self._bucket_agents[bucket] = self._bucket_agents.get(bucket, 0) + 1
            levels = self._levels.setdefault((centre, skill), [])
            if level not in levels:
                levels.append(level)
                levels.sort(reverse=True)

    def count_signed(self, signed: Mapping[tuple[str, str], int]) -> None:
        """Agents signed in elsewhere, by (centre, skill), who this router will not be asked
        to match (a dispatch builds it with its free agents only): counted for the rule
        "nobody of the home centre is signed in" and nothing else."""
        for centre_skill, count in signed.items():
            self._signed[centre_skill] = self._signed.get(centre_skill, 0) + count

    def sign_out(self, agent_id: str) -> list[Decision]:
        agent = self._agent(agent_id)
        if agent.call is not None:
            raise RoutingError(f"agent {agent_id} holds call {agent.call.id}")
        agent.ready, agent.wrap_until = False, None  # leaving: nothing due may hand them a call
        now = self.clock()
        out = self._advance(now)
        del self.agents[agent_id]
        emptied: list[tuple[str, str]] = []
        for skill, level in agent.skills.items():
            self._bucket_agents[agent.centre, skill, level] -= 1
            self._signed[agent.centre, skill] -= 1
            if self._signed[agent.centre, skill] == 0:
                emptied.append((skill, agent.centre))
        # The last agent of a centre left: its waiting calls may overflow at once.
        calls = [c for sc in emptied for dq in self._waiting.get(sc, {}).values() for c in dq]
        out.extend(self._place_all(calls, now))
        return out

    def ready(self, agent_id: str) -> list[Decision]:
        """The agent is available: they take the best call waiting for them, if any."""
        agent = self._agent(agent_id)
        if agent.call is not None:
            raise RoutingError(f"agent {agent_id} still holds call {agent.call.id}")
        agent.wrap_until = None  # ready before their wrap-up time ran out
        now = self.clock()
        out = self._advance(now)
        if agent.ready or agent.call is not None:  # a widening that fell due gave them one
            return out
        out.extend(self._take_or_wait(agent, now))
        return out

    def _take_or_wait(self, agent: _Agent, now: float) -> list[Decision]:
        call = self._best_call_for(agent, now)
        if call is not None:
            return [self._assign(call, agent, now)]
        self._seq += 1
        agent.ready, agent.ready_seq = True, self._seq
        for skill, level in agent.skills.items():
            bucket = (agent.centre, skill, level)
            dq = self._ready.setdefault(bucket, deque())
            dq.append((self._seq, agent.id))
            if len(dq) > 2 * self._bucket_agents[bucket] + 16:
                self._ready[bucket] = deque(e for e in dq if self._agent_entry_live(e))
        return []

    def not_ready(self, agent_id: str) -> list[Decision]:
        """Break, wrap-up or a missed call: the agent takes no call until ``ready``."""
        agent = self._agent(agent_id)
        out = self._advance(self.clock())
        agent.ready, agent.wrap_until = False, None
        return out

    def finish(self, agent_id: str, *, wrap_up: float | None = None) -> list[Decision]:
        """The agent's call has ended; they stay not ready (wrap-up) until ``ready``, or,
        given the queue's ``wrap_up`` seconds, until that time has passed: then they are
        ready by themselves (at the first operation or ``tick`` from that moment on)."""
        agent = self._agent(agent_id)
        if agent.call is None:
            raise RoutingError(f"agent {agent_id} holds no call")
        now = self.clock()
        out = self._advance(now)
        call, agent.call = agent.call, None
        call.state = CallState.GONE
        del self.calls[call.id]
        if wrap_up is not None:
            self._seq += 1
            agent.wrap_until = now + wrap_up
            heapq.heappush(self._wrap_ends, (agent.wrap_until, self._seq, agent_id))
        return out

    def no_answer(self, agent_id: str) -> list[Decision]:
        """The agent did not pick up: the call goes back in its place, the agent is not ready."""
        agent = self._agent(agent_id)
        call = agent.call
        if call is None:
            raise RoutingError(f"agent {agent_id} holds no call")
        now = self.clock()
        out = self._advance(now)
        agent.call, call.agent = None, None
        call.state = CallState.WAITING
        self.waiting_count += 1
        if not call.queued:
            self._enqueue(call)
        # Timers skipped while it was ringing are gone; schedule again those still ahead.
        self._schedule(call, after=now)
        out.extend(self._place_all([call], now))
        return out

    # ---- calls --------------------------------------------------------------------

    def offer(
        self,
        call_id: str,
        *,
        queue: str,
        centre: str,
        priority: float = 0.0,
        arrived: float | None = None,
    ) -> list[Decision]:
        """A call enters a queue; it goes to the longest-idle eligible agent or waits.

        ``arrived`` (default: now) rebuilds a router from stored state: such calls must
        be offered in the order they arrived.
        """
        if call_id in self.calls:
            raise RoutingError(f"call {call_id} is already known")
        now = self.clock()
        out = self._advance(now)
        rule = self.rules[queue]
        arrived = now if arrived is None else arrived
        self._seq += 1
        call = _Call(call_id, rule, centre, priority, arrived, self._seq, arrived - priority)
        self.calls[call_id] = call
        agent = self._longest_idle_for(call, now)
        if agent is not None:
            out.append(self._assign(call, agent, now, waited=False))
            return out
        self.waiting_count += 1
        self._enqueue(call)
        self._schedule(call, after=float("-inf"))
        return out

    def abandon(self, call_id: str) -> list[Decision]:
        """The caller hung up while waiting (a no-op for a call already answered or gone)."""
        out = self._advance(self.clock())
        call = self.calls.get(call_id)
        if call is not None and call.state is CallState.WAITING:
            call.state = CallState.GONE
            self.waiting_count -= 1
            del self.calls[call_id]
        return out

    def request_callback(self, call_id: str) -> None:
        call = self.calls.get(call_id)
        if call is None or call.state is not CallState.WAITING:
            raise RoutingError(f"call {call_id} is not waiting")
        call.callback = True

    def tick(self) -> list[Decision]:
        """Apply the widenings and callback offers that fell due."""
        return self._advance(self.clock())

    def next_deadline(self) -> float | None:
        """When the next widening, offer or end of a wrap-up falls due (drivers wake the
        router then)."""
        timers, ends = self._timers, self._wrap_ends
        while timers and timers[0][3].state is not CallState.WAITING:
            heapq.heappop(timers)
        while ends and not self._wrapping(ends[0]):
            heapq.heappop(ends)
        due = [heap[0][0] for heap in (timers, ends) if heap]
        return min(due) if due else None

    def _wrapping(self, end: tuple[float, int, str]) -> bool:
        agent = self.agents.get(end[2])
        return agent is not None and agent.wrap_until == end[0] and agent.call is None

    def agent_call(self, agent_id: str) -> str | None:
        call = self._agent(agent_id).call
        return call.id if call else None

    def is_ready(self, agent_id: str) -> bool:
        return self._agent(agent_id).ready

    # ---- the matching -------------------------------------------------------------

    def _agent(self, agent_id: str) -> _Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise RoutingError(f"agent {agent_id} is not signed in")
        return agent

    def _agent_entry_live(self, entry: tuple[int, str]) -> bool:
        agent = self.agents.get(entry[1])
        return agent is not None and agent.ready and agent.ready_seq == entry[0]

    def _overflowing(self, call: _Call, now: float) -> bool:
        return (
            call.rule.overflow_due(call.arrived, now)
            or self._signed.get((call.centre, call.rule.skill), 0) == 0
        )

    def _longest_idle_for(self, call: _Call, now: float) -> _Agent | None:
        rule = call.rule
        centres: Iterable[str] = (call.centre,)
        if call.centre in self.overflow and self._overflowing(call, now):
            centres = (call.centre, *self.overflow[call.centre])
        wanted = [(rule.skill, rule.min_level(call.arrived, now))]
        target = self.rules.get(rule.overflow_to or "")
        if target is not None and target is not rule and rule.overflow_due(call.arrived, now):
            wanted.append((target.skill, target.min_level(call.arrived, now)))
        best: tuple[int, str] | None = None
        for centre in centres:
            for skill, min_level in wanted:
                for level in self._levels.get((centre, skill), ()):
                    if level < min_level:
                        break
                    dq = self._ready.get((centre, skill, level))
                    if not dq:
                        continue
                    while dq and not self._agent_entry_live(dq[0]):
                        dq.popleft()
                    if dq and (best is None or dq[0][0] < best[0]):
                        best = dq[0]
        return self.agents[best[1]] if best else None

    def _best_call_for(self, agent: _Agent, now: float) -> _Call | None:
        best: _Call | None = None
        homes = [agent.centre, *self._sources.get(agent.centre, ())]
        for skill, level in agent.skills.items():
            for home in homes:
                best = self._best_in(skill, home, agent, level, now, best, None)
                for spill in self._spills.get(skill, ()):  # calls of queues overflowing here
                    best = self._best_in(spill[0].skill, home, agent, level, now, best, spill)
        return best

    def _best_in(
        self,
        skill: str,
        home: str,
        agent: _Agent,
        level: int,
        now: float,
        best: _Call | None,
        spill: tuple[QueueRule, QueueRule] | None,
    ) -> _Call | None:
        """``best``, or a better call waiting for ``skill`` from ``home`` that the agent
        (with ``level`` in the skill) may take; ``spill``: only the calls of that queue,
        once they overflow to the given one (its skill and escalation)."""
        buckets = self._waiting.get((skill, home))
        if not buckets:
            return best
        for bucket_key, dq in list(buckets.items()):
            if spill is not None and bucket_key[0] != spill[0].code:
                continue
            while dq and dq[0].state is not CallState.WAITING:
                dq.popleft().queued = False
            if not dq:
                del buckets[bucket_key]
                continue
            call = dq[0]  # the oldest of its queue and priority: the most widened
            if best is not None and (call.key, call.seq) >= (best.key, best.seq):
                continue
            if spill is None:
                if level < call.rule.min_level(call.arrived, now):
                    continue
                if home != agent.centre and not self._overflowing(call, now):
                    continue
            elif not call.rule.overflow_due(call.arrived, now) or level < spill[1].min_level(
                call.arrived, now
            ):
                continue
            best = call
        if not buckets:
            del self._waiting[skill, home]
        return best

    def _assign(self, call: _Call, agent: _Agent, now: float, waited: bool = True) -> Assignment:
        if call.state is not CallState.WAITING or agent.call is not None:
            raise RoutingError("double assignment")  # guarded above; kept as a tripwire
        if waited:
            self.waiting_count -= 1
        call.state, call.agent = CallState.ASSIGNED, agent.id
        agent.call, agent.ready = call, False
        return Assignment(call.id, agent.id, now, call.callback)

    def _enqueue(self, call: _Call) -> None:
        buckets = self._waiting.setdefault((call.rule.skill, call.centre), {})
        dq = buckets.setdefault((call.rule.code, call.priority), deque())
        call.queued = True
        if not dq or dq[-1].seq < call.seq:
            dq.append(call)
        else:  # a call coming back (no answer) returns to its place
            dq.insert(bisect_left(dq, call.seq, key=lambda c: c.seq), call)

    def _schedule(self, call: _Call, *, after: float) -> None:
        """Timers for the moments the call's eligibility widens or a callback is due."""
        rule, arrived = call.rule, call.arrived
        for step_after, _level in rule.escalation[1:]:
            if arrived + step_after > after:
                self._timer(arrived + step_after, _WIDEN, call)
        overflow = rule.overflow_after
        target = self.rules.get(rule.overflow_to or "") if overflow is not None else None
        widens = call.centre in self.overflow or target is not None
        if overflow is not None and arrived + overflow > after and widens:
            self._timer(arrived + overflow, _WIDEN, call)
        if target is not None and target is not rule:  # the other queue's escalation too
            for step_after, _level in target.escalation[1:]:
                if arrived + max(step_after, overflow) > after:
                    self._timer(arrived + max(step_after, overflow), _WIDEN, call)
        if rule.callback_after is not None and arrived + rule.callback_after > after:
            self._timer(arrived + rule.callback_after, _OFFER, call)

    def _timer(self, at: float, kind: int, call: _Call) -> None:
        self._seq += 1
        heapq.heappush(self._timers, (at, kind, self._seq, call))

    def _advance(self, now: float) -> list[Decision]:
        """The widenings and offers due, then the wrap-ups that ended (those agents, in the
        order their wrap-ups ended, take the best call then waiting for them)."""
        out = self._advance_calls(now)
        ends = self._wrap_ends
        while ends and ends[0][0] <= now:
            end = heapq.heappop(ends)
            if self._wrapping(end):
                agent = self.agents[end[2]]
                agent.wrap_until = None
                out.extend(self._take_or_wait(agent, now))
        return out

    def _advance_calls(self, now: float) -> list[Decision]:
        timers = self._timers
        if not timers or timers[0][0] > now:
            return []
        out: list[Decision] = []
        widened: list[_Call] = []
        while timers and timers[0][0] <= now:
            at, kind, _seq, call = heapq.heappop(timers)
            if call.state is not CallState.WAITING:
                continue
            if kind == _OFFER:
                if not (call.callback or call.offered):
                    call.offered = True
                    out.append(CallbackOffer(call.id, at))
            else:
                widened.append(call)
        out.extend(self._place_all(widened, now))
        return out

    def _place_all(self, calls: list[_Call], now: float) -> list[Decision]:
        out: list[Decision] = []
        for call in sorted(set(calls), key=lambda c: (c.key, c.seq)):
            if call.state is not CallState.WAITING:
                continue
            agent = self._longest_idle_for(call, now)
            if agent is not None:
                out.append(self._assign(call, agent, now))
        return out
