"""The routing core: hand-made cases for each rule, then random operation sequences checked
against a scan-everything reference and the invariants (one call per agent, one agent per
call, best score first, escalation keeps the caller's place)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmeste.contactcenter.routing import (
    Assignment,
    CallbackOffer,
    QueueRule,
    Router,
    RoutingError,
)
from vmeste.contactcenter.tests.reference_router import ReferenceRouter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


QUEUES = [
    QueueRule(
        "help", "general", escalation=((0, 3), (10, 1)), overflow_after=20, callback_after=15
    ),
    QueueRule("psy", "psychology", escalation=((0, 1),)),
    QueueRule("med", "general", escalation=((0, 2), (5, 1)), overflow_after=0),
    # children's calls go to the psychologists too after 8 s, first to the best of them
    QueueRule("kids", "children", escalation=((0, 2),), overflow_after=8, overflow_to="psy2"),
    QueueRule("psy2", "psychology", escalation=((0, 3), (12, 1))),
]
OVERFLOW = {"VGG": ["NAT"], "SAM": ["NAT"], "NAT": ["VGG", "SAM"]}


def make(kind=Router):
    clock = Clock()
    return kind(queues=QUEUES, clock=clock, overflow=OVERFLOW), clock


def assigned(decisions) -> list[tuple[str, str]]:
    return [(d.call_id, d.agent_id) for d in decisions if isinstance(d, Assignment)]


def test_longest_idle_agent_takes_the_call():
    router, clock = make()
    for name in ("a", "b", "c"):
        router.sign_in(name, centre="VGG", skills={"general": 3})
    router.ready("b")
    clock.now = 1
    router.ready("a")
    router.ready("c")
    clock.now = 5
    assert assigned(router.offer("x", queue="help", centre="VGG")) == [("x", "b")]
    assert assigned(router.offer("y", queue="help", centre="VGG")) == [("y", "a")]


def test_agent_takes_best_scored_call_priority_counts_as_waiting_time():
    router, clock = make()
    router.sign_in("a", centre="VGG", skills={"general": 3})
    router.offer("old", queue="help", centre="VGG")
    clock.now = 30
    router.offer("elderly", queue="help", centre="VGG", priority=60)  # score 60 > 30
    clock.now = 31
    router.offer("new", queue="help", centre="VGG")
    assert assigned(router.ready("a")) == [("elderly", "a")]
    router.finish("a")
    assert assigned(router.ready("a")) == [("old", "a")]


def test_escalation_widens_the_agents_and_keeps_the_callers_place():
    router, clock = make()
    router.sign_in("junior", centre="VGG", skills={"general": 1})
    router.ready("junior")
    assert router.offer("first", queue="help", centre="VGG") == []  # needs level 3
    clock.now = 4
    assert router.offer("second", queue="help", centre="VGG") == []
    assert router.next_deadline() == 10
    clock.now = 10
    assert assigned(router.tick()) == [("first", "junior")]
    router.finish("junior")
    router.sign_in("senior", centre="VGG", skills={"general": 3})
    # "second" has widened too by now; it still ranks by its arrival, ahead of newcomers.
    clock.now = 14
    router.offer("third", queue="help", centre="VGG")
    assert assigned(router.ready("senior")) == [("second", "senior")]


def test_overflow_after_time_and_when_home_centre_is_empty():
    router, clock = make()
    router.sign_in("vgg", centre="VGG", skills={"general": 3})
    router.sign_in("nat", centre="NAT", skills={"general": 3})
    router.ready("nat")
    assert router.offer("x", queue="help", centre="VGG") == []
    clock.now = 20
    assert assigned(router.tick()) == [("x", "nat")]
    router.finish("nat")
    router.offer("y", queue="help", centre="VGG")
    clock.now = 21
    # The last VGG agent signs out: its caller may go to the national centre at once.
    assert assigned(router.ready("nat")) == []
    assert assigned(router.sign_out("vgg")) == [("y", "nat")]


def test_overflow_never_goes_where_the_topology_does_not_allow():
    router, clock = make()
    router.sign_in("sam", centre="SAM", skills={"general": 3})
    router.ready("sam")
    router.offer("x", queue="help", centre="VGG")  # no VGG agent; SAM is not VGG's overflow
    clock.now = 100
    assert assigned(router.tick()) == []
    assert router.waiting_count == 1


def test_callback_keeps_place_and_is_marked():
    router, clock = make()
    router.sign_in("a", centre="VGG", skills={"general": 3})
    router.offer("x", queue="help", centre="VGG")
    clock.now = 2
    router.offer("y", queue="help", centre="VGG")
    clock.now = 15
    decisions = router.tick()
    assert decisions == [CallbackOffer("x", 15)]
    router.request_callback("x")
    clock.now = 16
    assert router.ready("a") == [Assignment("x", "a", 16, callback=True)]


def test_no_answer_puts_the_call_back_in_its_place():
    router, clock = make()
    router.sign_in("a", centre="VGG", skills={"general": 3})
    router.sign_in("b", centre="VGG", skills={"general": 3})
    router.ready("a")
    router.offer("x", queue="help", centre="VGG")
    clock.now = 3
    router.offer("y", queue="help", centre="VGG")
    router.no_answer("a")
    assert not router.is_ready("a")
    assert assigned(router.ready("b")) == [("x", "b")]


def test_refuses_double_holding():
    router, _clock = make()
    router.sign_in("a", centre="VGG", skills={"general": 3})
    router.ready("a")
    router.offer("x", queue="help", centre="VGG")
    with pytest.raises(RoutingError):
        router.ready("a")
    with pytest.raises(RoutingError):
        router.sign_out("a")
    with pytest.raises(RoutingError):
        router.offer("x", queue="help", centre="VGG")


# ---- random sequences against the reference ---------------------------------------

AGENT_IDS = [f"a{i}" for i in range(7)]
skills_st = st.dictionaries(
    st.sampled_from(["general", "psychology", "children"]), st.integers(1, 3), min_size=1
)
agent_op_st = st.tuples(
    st.sampled_from(["ready", "ready", "finish", "finish", "no_answer", "not_ready", "sign_out"]),
    st.sampled_from(AGENT_IDS),
)
offer_st = st.tuples(
    st.just("offer"),
    st.sampled_from(["help", "psy", "med", "kids"]),
    st.sampled_from(["VGG", "SAM", "NAT"]),
    st.sampled_from([0, 30, 60]),
)
op_st = st.one_of(
    st.tuples(st.just("wait"), st.integers(0, 12)),
    agent_op_st,
    agent_op_st,
    offer_st,
    offer_st,
    st.tuples(
        st.just("sign_in"),
        st.sampled_from(AGENT_IDS),
        st.sampled_from(["VGG", "SAM", "NAT"]),
        skills_st,
    ),
    st.tuples(
        st.sampled_from(["sign_out", "ready", "not_ready", "finish", "no_answer"]),
        st.sampled_from(AGENT_IDS),
    ),
    st.tuples(
        st.just("offer"),
        st.sampled_from(["help", "psy", "med", "kids"]),
        st.sampled_from(["VGG", "SAM", "NAT"]),
        st.sampled_from([0, 30, 60]),
    ),
    st.tuples(st.sampled_from(["abandon", "request_callback"]), st.integers(0, 40)),
    st.tuples(st.just("tick")),
)


def apply(router, op, n_calls):
    kind = op[0]
    if kind == "sign_in":
        return router.sign_in(op[1], centre=op[2], skills=op[3])
    if kind == "offer":
        return router.offer(f"c{n_calls}", queue=op[1], centre=op[2], priority=op[3])
    if kind in ("abandon", "request_callback"):
        return getattr(router, kind)(f"c{op[1]}")
    if kind == "tick":
        return router.tick()
    return getattr(router, kind)(op[1])


def split(decisions):
    decisions = decisions or []
    return (
        [d for d in decisions if isinstance(d, Assignment)],
        sorted((d.call_id, d.at) for d in decisions if isinstance(d, CallbackOffer)),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(["VGG", "SAM", "NAT"]), skills_st), min_size=1, max_size=7),
    st.lists(op_st, min_size=10, max_size=80),
)
def test_agrees_with_reference_and_keeps_invariants(roster, ops):
    fast, clock = make()
    ref = ReferenceRouter(queues=QUEUES, clock=clock, overflow=OVERFLOW)
    n_calls = 0
    for i, (centre, skills) in enumerate(roster):
        ops = [("sign_in", AGENT_IDS[i], centre, skills), ("ready", AGENT_IDS[i]), *ops]
    holder: dict[str, str] = {}  # call -> agent holding it now
    for op in ops:
        if op[0] == "wait":
            clock.now += op[1]
            continue
        try:
            expected = apply(ref, op, n_calls)
        except (RoutingError, KeyError):
            with pytest.raises((RoutingError, KeyError)):
                apply(fast, op, n_calls)
            continue
        got = apply(fast, op, n_calls)
        if op[0] == "offer":
            n_calls += 1
        assert split(got) == split(expected), op
        if op[0] in ("finish", "no_answer"):
            holder = {c: a for c, a in holder.items() if a != op[1]}
        for a in split(got)[0]:
            assert a.call_id not in holder, "call assigned twice"
            assert a.agent_id not in holder.values(), "agent holds two calls"
            holder[a.call_id] = a.agent_id
        assert fast.waiting_count == ref.waiting_count
        if op[0] in ("sign_in", "request_callback"):
            continue  # these change nothing in time: due widenings wait for the next step
        # Stable state: no ready agent is eligible for any waiting call.
        for call in ref.calls.values():
            if call.state == "waiting":
                for agent in ref.agents.values():
                    assert not (agent.ready and ref.eligible(agent, call, clock.now))


# ---- the invariants stated directly, on one queue with escalation --------------------

ONE_QUEUE = [QueueRule("help", "general", escalation=((0, 3), (10, 1)))]  # 2 levels at once
fair_op_st = st.one_of(
    st.tuples(st.just("wait"), st.sampled_from([0, 1, 5, 10, 15])),
    st.tuples(st.just("offer"), st.sampled_from([0, 0, 20])),
    st.tuples(st.just("free"), st.integers(0, 5)),
    st.tuples(st.just("free"), st.integers(0, 5)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=2, max_size=8), st.lists(fair_op_st, max_size=80))
def test_best_score_first_longest_idle_first_and_escalation_keeps_the_place(levels, ops):
    clock = Clock()
    router = Router(queues=ONE_QUEUE, clock=clock)
    waiting: dict[str, tuple[float, int, float]] = {}  # call -> (key, arrival order, arrived)
    ready_order: list[str] = []  # ready agents, longest idle first
    holding: dict[str, str] = {}  # agent -> call
    rule = ONE_QUEUE[0]

    def eligible(agent: str, call: str) -> bool:
        level = levels[int(agent[1:])]
        return level >= rule.min_level(waiting[call][2], clock.now)

    def settle(decisions):
        for d in decisions:
            assert d.call_id in waiting, "a call given twice, or one that is not waiting"
            assert d.agent_id in ready_order, "an agent holding a call got another"
            waiting.pop(d.call_id)
            ready_order.remove(d.agent_id)
            holding[d.agent_id] = d.call_id

    for i in range(len(levels)):
        router.sign_in(f"a{i}", centre="C", skills={"general": levels[i]})
        ready_order.append(f"a{i}")
        settle(router.ready(f"a{i}"))
    for n, op in enumerate(ops):
        if op[0] == "wait":
            clock.now += op[1]
            for d in router.tick():  # widened callers, best score first, longest idle agent
                servable = [c for c in waiting if any(eligible(a, c) for a in ready_order)]
                assert d.call_id == min(servable, key=lambda c: waiting[c][:2])
                assert d.agent_id == next(a for a in ready_order if eligible(a, d.call_id))
                settle([d])
        elif op[0] == "offer":
            call = f"c{n}"
            waiting[call] = (clock.now - op[1], n, clock.now)
            decisions = router.offer(call, queue="help", centre="C", priority=op[1])
            if decisions:
                (d,) = decisions
                candidates = [a for a in ready_order if eligible(a, call)]
                assert d.agent_id == candidates[0], "not the longest-idle eligible agent"
            else:
                assert not any(eligible(a, call) for a in ready_order)
            settle(decisions)
        elif holding:
            agent = sorted(holding)[op[1] % len(holding)]
            router.finish(agent)
            del holding[agent]
            decisions = router.ready(agent)
            if decisions:
                (d,) = decisions
                best = min((c for c in waiting if eligible(agent, c)), key=lambda c: waiting[c][:2])
                assert d.call_id == best, "not the best-scored call the agent may take"
            else:
                assert not any(eligible(agent, c) for c in waiting)
            ready_order.append(agent)  # ready now: the last in line (settle takes it back)
            settle(decisions)
        assert len(set(holding.values())) == len(holding)
