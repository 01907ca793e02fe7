"""Routing in the server: the pure router rebuilt from the database, its decisions saved.

Several server processes may take telephony events at once. Each dispatch locks the
available agents (SELECT ... FOR UPDATE), so a second dispatcher waits, then sees those
rows no longer available. The waiting calls come from this process's copy (``waiting``),
checked against the database by one aggregate; the calls a dispatch gives (or offers a
callback) are then locked with the revision it read, and any that changed meanwhile
makes it decide again on a fresh copy: no agent is rung twice and no call is given twice.
On SQLite the write transaction serialises it.

The decisions go back to the telephony: whom to ring, and which callers have waited the
queue's maximum and must be offered a callback (each offered once: ``callback_offered_at``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from vmeste.contactcenter import configcache, holding, roster, waiting
from vmeste.contactcenter.freeagents import free_at, free_now, lock_free
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.contactcenter.routing import Assignment, CallbackOffer, Router
from vmeste.contactcenter.services import Moves, move, routing_configuration
from vmeste.contactcenter.transitions import AgentEvent, AgentState
from vmeste.contactcenter.waiting import Waiting


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


def offer_due(call: Waiting, now: datetime) -> bool:
    """Whether the waiting caller is to be offered a callback now (once)."""
    return (
        call.callback_offered_at is None
        and not call.callback_requested
        and call.requeued_at is None  # a transferred caller was answered once already
        and _waited_maximum(_queue(configcache.snapshot(), call.queue_id), call.offered_at, now)
    )


def _waited_maximum(queue: Queue | None, since: datetime | None, now: datetime) -> bool:
    """Whether a caller waiting since ``since`` has waited the queue's maximum: the
    moment a callback is offered (never, for a queue without one)."""
    wait = queue.max_wait_seconds if queue is not None else None
    return wait is not None and since is not None and since + timedelta(seconds=wait) <= now


def dispatch_if_due(*, now: datetime | None = None) -> Dispatched:
    """``dispatch()``, asked first without locks whether it would find anything to do.

    It decides only when a free agent is eligible for a waiting call (or one waits for
    them by name), or when a waiting caller's callback offer is due (``worth_dispatching``:
    one query over the free agents, one row per queue and centre with waiting calls). An
    event that changed neither (an answer, a hang-up, a break, a free agent whom no
    waiting call may reach) costs these, not the dispatch's locks: two server processes
    then do not queue behind each other's dispatch for nothing."""
    now = now or timezone.now()
    free = list(
        Agent.objects.filter(free_at(now)).values_list(
            "centre_id", "skills", "user__username", "state"
        )
    )
    if any(state == AgentState.WRAP_UP for *_agent, state in free):
        return dispatch(now=now)  # a wrap-up is over: written there, whatever it decides
    return dispatch(now=now) if worth_dispatching([a[:3] for a in free], now) else NOTHING


def worth_dispatching(
    free: list[tuple[int, dict, str]],
    now: datetime,
    signed: Signed | None = None,
    groups: dict[tuple[int, int | None], waiting.Group] | None = None,
) -> bool:
    """Whether a dispatch now could ring someone or offer a callback: a callback offer
    due, or a group of waiting calls some free agent (centre pk, skills, username) may
    take (``reachable``). When unsure it answers yes: the dispatch decides. The waiting
    calls' groups come from this process's copy (``waiting``) unless given."""
    if groups is None:
        _calls, groups = waiting.current()
    if offers_due_in(groups, now):
        return True
    return next(reachable(free, now, signed or Signed(), groups), None) is not None


def offers_due_in(
    groups: dict[tuple[int, int | None], waiting.Group], now: datetime
) -> set[tuple[int, int | None]]:
    """The groups in which some caller is due the offer of a callback now."""
    snapshot = configcache.snapshot()
    return {
        key
        for key, group in groups.items()
        if _waited_maximum(_queue(snapshot, key[0]), group.unoffered, now)
    }


def reachable(
    free: list[tuple[int, dict, str]],
    now: datetime,
    signed: Signed,
    groups: dict[tuple[int, int | None], waiting.Group],
) -> Iterator[tuple[int, int | None]]:
    """The groups (queue pk, centre pk) of waiting calls these free agents may take now:
    one of them is waited for by name, some agent is eligible for the group's oldest call
    (eligibility only widens with the wait and does not depend on priority, so the oldest
    is the most eligible), or the queue is not in this process's snapshot (unsure: yes).
    No call of any other group can be given to these agents: the router needs none of
    them."""
    names = {name for _centre, _skills, name in free}
    best = _best_levels(free)
    check = _Eligibility(signed, now.timestamp())
    for key, group in groups.items():
        queue_id, home = key
        queue = _queue(check.snapshot, queue_id)
        if queue is None or not names.isdisjoint(group.wanted):
            yield key
            continue
        arrived = min(group.oldest.timestamp(), check.moment)
        if check.possible(queue.code, home, arrived, best):
            yield key


def _best_levels(free: list[tuple[int, dict, str]]) -> dict[tuple[int, str], int]:
    """The highest level of each skill among the free agents of each centre."""
    best: dict[tuple[int, str], int] = {}
    for centre, skills, _name in free:
        for skill, level in skills.items():
            if level > best.get((centre, skill), 0):
                best[centre, skill] = level
    return best


class Signed:
    """The signed-in agents' counts (``roster``), asked of the database only when an
    eligibility needs them, and once a dispatch."""

    def __init__(self) -> None:
        self._roster: roster.Roster | None = None

    def __call__(self) -> roster.Roster:
        if self._roster is None:
            self._roster = roster.current()
        return self._roster


class _Eligibility:
    """The router's rule (``routing``) for the oldest call of a queue and centre and the
    free agents, on primary keys: whether any of them may take that call now."""

    def __init__(self, signed: Signed, moment: float) -> None:
        self.snapshot = configcache.snapshot()
        self.rules = {rule.code: rule for rule in self.snapshot.rules}
        self.signed, self.moment = signed, moment
        self._overflow: dict[int | None, frozenset[int]] = {}

    def possible(
        self, queue: str, home: int | None, arrived: float, best: dict[tuple[int, str], int]
    ) -> bool:
        """Whether some free agent may take the oldest call of ``queue`` from ``home``,
        from the best levels by centre and skill (``_best_levels``): an agent of the
        home centre with the level the queue needs by now; one of a centre it overflows
        to, once the call may overflow (its time, or nobody with the skill signed in at
        home); or, once the queue overflows to another, one with that queue's level,
        at home or where it overflows. Each condition asks one skill of one agent, so
        the best level of each centre answers it for all of them: exact, and once per
        group instead of once per group and free agent (which, with 25 free and 120
        groups waiting, cost a millisecond of every «ready»). A queue without a rule
        here: yes (the dispatch decides)."""
        rule = self.rules.get(queue)
        if rule is None:
            return True
        now, level = self.moment, rule.min_level(arrived, self.moment)
        if best.get((home, rule.skill), 0) >= level:
            return True
        others = self.overflow_centres(home)
        due = rule.overflow_due(arrived, now)
        may_overflow = others and (due or not self.signed().signed.get((home, rule.skill)))
        if may_overflow and any(best.get((c, rule.skill), 0) >= level for c in others):
            return True
        target = self.rules.get(rule.overflow_to or "")
        if target is None or not due:
            return False
        wanted = target.min_level(arrived, now)
        return any(best.get((c, target.skill), 0) >= wanted for c in (home, *others))

    def overflow_centres(self, home: int | None) -> frozenset[int]:
        """The centres a call of ``home`` may overflow to (by primary key; none for a
        centre this snapshot does not know), worked out once per home and dispatch."""
        found = self._overflow.get(home)
        if found is None:
            home_centre = self.snapshot.centres.get(home)
            codes = set(self.snapshot.topology.get(home_centre.code, ())) if home_centre else ()
            found = frozenset(pk for pk, c in self.snapshot.centres.items() if c.code in codes)
            self._overflow[home] = found
        return found


ATTEMPTS = 3


def dispatch(
    *,
    now: datetime | None = None,
    offers_due: bool = True,
    free: list[Agent] | None = None,
    moves: Moves | None = None,
) -> Dispatched:
    """Give waiting calls to available agents and offer callbacks that fell due.

    The available agents are locked (two dispatchers take turns on them), unless the
    caller locked them already (``free``: ``lock_free``, in the caller's transaction).
    The waiting calls come from this process's copy (``waiting``); only those given or
    offered a callback are locked, with the revision read: one that changed meanwhile
    (answered elsewhere, hung up) makes the dispatch decide again on a fresh copy.
    Without ``offers_due`` (an event's dispatch: time is the heartbeat's) nobody free
    means nothing to do. Inside the caller's transaction it adds no savepoint: it writes
    nothing until it has decided. ``moves``: the caller's steps not written yet (the
    event's own agent), written with the dispatch's own (``Moves``)."""
    now = now or timezone.now()
    moves = moves if moves is not None else Moves()
    with transaction.atomic(savepoint=False):
        ready = free_now(free if free is not None else lock_free(now), now)
        _end_wrap_ups(ready, moves)
        decided = _decide(ready, now, offers_due, moves)
        moves.save()
        return decided


def _decide(ready: list[Agent], now: datetime, offers_due: bool, moves: Moves) -> Dispatched:
    if not ready and not offers_due:
        return NOTHING
    for _attempt in range(ATTEMPTS):
        decided = _dispatch_once(list(ready), now, moves)
        if decided is not None:
            return decided
        waiting.clear()
    return NOTHING  # changed under it each time: the next event or heartbeat tries again


def _end_wrap_ups(ready: list[Agent], moves: Moves) -> None:
    """The agents whose wrap-up time has passed are available from the moment it ended
    (their timeline says so then); ``ready`` stays longest idle first."""
    ended = [agent for agent in ready if agent.state == AgentState.WRAP_UP]
    for agent in ended:
        moves.add(agent, move(agent, AgentEvent.WRAP_DONE, at=agent.wrap_up_until))
    if ended:
        ready.sort(key=lambda agent: (agent.state_since, agent.pk))


def _dispatch_once(ready: list[Agent], now: datetime, moves: Moves) -> Dispatched | None:
    """One decision on the copy of the waiting calls, written if the calls it names are
    still as read (else None, nothing written)."""
    signed = Signed()
    calls, groups = waiting.current()  # read once: the check and the decision share it
    due = offers_due_in(groups, now)
    # The router is fed only the calls the free agents may take (with 200 waiting and a
    # few agents free it cost a quarter of a «ready»); the others can only be offered a
    # callback, asked of each directly.
    in_reach = _in_reach(ready, now, signed, groups)
    if not due and not in_reach:
        return NOTHING
    result = Dispatched([], [])
    rung = _ring_wanted(calls, ready, result, now)
    if rung:  # those agents are taken: what the others may take
        in_reach = _in_reach(ready, now, signed, groups)
    given = {call.pk for call, _agent in rung}
    calls = [c for c in calls if c.pk not in given and not _held(c, now)]
    routed = [c for c in calls if (c.queue_id, c.centre_id) in in_reach]
    decisions = decide(routed, ready, now.timestamp(), signed) if routed else []
    by_pk = {c.pk: c for c in routed}
    agents = {a.pk: a for a in ready}
    offered = [
        c
        for c in calls
        if (key := (c.queue_id, c.centre_id)) in due and key not in in_reach and offer_due(c, now)
    ]
    result.callback_offers.extend(c.call_id for c in offered)
    for decision in decisions:
        if isinstance(decision, Assignment):
            call, agent = by_pk[decision.call_id], agents[decision.agent_id]
            rung.append((call, agent))
            result.rung.append(Rung(call.call_id, agent.user.username, decision.callback))
        elif isinstance(decision, CallbackOffer):
            call = by_pk[decision.call_id]
            # The rebuilt router forgets what it offered before: the row remembers.
            if offer_due(call, now):
                offered.append(call)
                result.callback_offers.append(call.call_id)
    if not _still_waiting([call for call, _agent in rung] + offered):
        return None
    _ring(rung, now, moves)
    _offer(offered, now)
    return result


def _in_reach(
    ready: list[Agent], now: datetime, signed: Signed, groups: dict
) -> set[tuple[int, int | None]]:
    free = [(a.centre_id, a.skills, a.user.username) for a in ready]
    return set(reachable(free, now, signed, groups)) if free else set()


def _still_waiting(chosen: list[Waiting]) -> bool:
    """Lock the calls chosen; whether each still waits as the copy has it."""
    if not chosen:
        return True
    locked = dict(
        Call.objects.select_for_update(of=("self",))
        .filter(pk__in=[c.pk for c in chosen], state=Call.State.WAITING)
        .order_by("pk")
        .values_list("pk", "revision")
    )
    return all(locked.get(c.pk) == c.revision for c in chosen)


def _offer(offered: list[Waiting], now: datetime) -> None:
    if not offered:
        return
    for call in offered:  # one UPDATE each: bulk_update's CASE cost more to build
        Call.objects.filter(pk=call.pk).update(callback_offered_at=now, revision=call.revision + 1)
        waiting.put(call._replace(callback_offered_at=now, revision=call.revision + 1))


def decide(waiting: list[Waiting], ready: list[Agent], moment: float, signed: Signed) -> list:
    """The router built from the free agents and the waiting calls (each in the place of
    its first offer; the other signed-in agents counted by centre and skill, ``roster``),
    then each free agent, longest idle first, asks for a call."""
    rules, topology = routing_configuration()
    router = Router(queues=rules, clock=lambda: moment, overflow=topology)
    snapshot = configcache.snapshot()
    centres = snapshot.centres
    if ready:  # the counts matter only to agents this router may ring
        counts = signed()
        others = Counter(counts.signed)
        for agent in ready:  # counted by sign_in below, with the skills just read
            known = counts.skills.get(agent.pk)
            if known is not None:
                others.subtract((known[0], skill) for skill in known[1])
        router.count_signed(
            {(_code(centres, pk), skill): n for (pk, skill), n in others.items() if n > 0}
        )
    for agent in ready:
        router.sign_in(agent.pk, centre=_code(centres, agent.centre_id), skills=agent.skills)
    decisions = []
    for call in waiting:
        decisions.extend(
            router.offer(
                call.pk,
                queue=_queue(snapshot, call.queue_id).code,
                centre=_code(centres, call.centre_id) if call.centre_id else "",
                priority=call.priority,
                arrived=min(call.offered_at.timestamp(), moment),
            )
        )
        if holding.is_callback(call):  # virtual hold: same place, we dial them back
            router.request_callback(call.pk)
    decisions.extend(router.tick())  # the offers of the last calls rebuilt
    for agent in ready:  # longest idle first: each takes the best call they may take
        decisions.extend(router.ready(agent.pk))
    return decisions


def _queue(snapshot: configcache.Snapshot, pk: int) -> Queue | None:
    """The queue from the snapshot already taken (one lookup, not one snapshot, a call)."""
    return snapshot.queues.get(pk) or configcache.queue_by_pk(pk)


def _code(centres: dict, pk: int) -> str:
    centre = centres.get(pk) or configcache.centre_by_pk(pk)
    return centre.code


def _held(call: Waiting, now: datetime) -> bool:
    return bool(holding.waits_for_agent(call, now)) or holding.held_back(call, now)


def _ring_wanted(
    waiting: list[Waiting], ready: list[Agent], result: Dispatched, now: datetime
) -> list[tuple[Waiting, Agent]]:
    """Calls transferred to a named agent ring that agent when they are free (taken out
    of ``ready``); the others wait for them (``holding``)."""
    rung: list[tuple[Waiting, Agent]] = []
    for call in waiting:
        name = holding.waits_for_agent(call, now)
        agent = next((a for a in ready if a.user.username == name), None) if name else None
        if agent is not None:
            ready.remove(agent)  # given: the call is not offered to the router below
            rung.append((call, agent))
            result.rung.append(Rung(call.call_id, name, False))
    return rung


def _ring(rung: list[tuple[Waiting, Agent]], now: datetime, moves: Moves) -> None:
    """The calls given, their agents rung and the rings on their timelines: written with
    ``moves``, in one round trip with the agents' other steps."""
    for chosen, agent in rung:
        waiting.drop(chosen.pk)
        call = Call(pk=chosen.pk, call_id=chosen.call_id, revision=chosen.revision + 1)
        moves.ring(call, agent, now)
