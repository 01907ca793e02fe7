"""A call folded from its events: the same whatever order they came in, and the same
whether it was refolded from all of them or stepped on the summary kept so far."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from vmeste.contactcenter.calllog import CallEvent, CallSummary, dump, fold, load, position, step

T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


LIFE = [
    ("call_offered", 0, {"line": "wat", "caller_number": "+79001234567", "ivr_path": "1"}),
    ("call_answered", 25, {"agent": "ivanova"}),
    ("call_transferred", 100, {"to_agent": "petrov", "to_queue": "psy"}),
    ("call_ended", 400, {"disposition": "consultation"}),
    ("call_answered", 110, {"agent": "petrov"}),  # the transfer rang petrov: he answers
]


def events(order: list[int]) -> list[CallEvent]:
    return [CallEvent(LIFE[i][0], at(LIFE[i][1]), n, LIFE[i][2]) for n, i in enumerate(order)]


def test_a_whole_call():
    call = fold(events([0, 1, 2, 3, 4]))
    assert call.state == "ended" and call.requeued_at is None
    assert call.wait_seconds == 25 and call.talk_seconds == 375
    assert call.agent == "petrov" and call.agents == ["ivanova", "petrov"]
    assert call.queue == "psy" and call.transfers == 1 and call.line == "wat"


@given(st.permutations(range(5)), st.lists(st.integers(0, 4), max_size=4))
def test_any_order_and_any_repeat_give_the_same_call(order, repeats):
    # A repeated event is stored once by the API; here we check that even if it were
    # folded twice, the moments it sets do not move.
    folded = fold(events(list(order) + [i for i in repeats if LIFE[i][0] != "call_transferred"]))
    reference = fold(events([0, 1, 2, 3, 4]))
    assert (folded.offered_at, folded.answered_at, folded.ended_at) == (
        reference.offered_at,
        reference.answered_at,
        reference.ended_at,
    )
    assert folded.agent == reference.agent and folded.state == reference.state


def test_abandoned_call_and_a_call_never_offered():
    abandoned = fold([CallEvent("call_offered", at(0), 1, {}), CallEvent("call_ended", at(40), 2)])
    assert abandoned.state == "abandoned" and abandoned.wait_seconds == 40
    assert abandoned.talk_seconds is None
    stray = fold([CallEvent("call_ended", at(90), 1), CallEvent("call_answered", at(30), 2)])
    assert stray.offered_at == at(30) and stray.state == "ended" and stray.talk_seconds == 60


def keep_or_refold(arrivals: list[CallEvent]) -> CallSummary:
    """What the server does: one step for an event after the latest, a refold otherwise
    (the summary kept between events only as ``dump``'s JSON)."""
    kept, last, seen = None, None, []
    for event in arrivals:
        seen.append(event)
        if kept is not None and position(event) > last:
            summary = step(load(kept), event)
            last = position(event)
        else:
            summary = fold(seen)
            last = max(position(e) for e in seen)
        kept = json.loads(json.dumps(dump(summary)))
    return load(kept)


@given(
    st.lists(
        st.tuples(st.integers(0, len(LIFE) - 1), st.integers(0, 3), st.booleans()),
        min_size=1,
        max_size=8,
    )
)
def test_stepping_on_the_kept_summary_is_the_fold_of_all_events(picks):
    """Whatever the order of arrival (ties of the same moment included), the summary the
    server keeps equals the fold of every event it has seen."""
    arrivals = [
        CallEvent(LIFE[i][0], at(LIFE[i][1] + shift * 7), seq, LIFE[i][2] if data else {})
        for seq, (i, shift, data) in enumerate(picks)
    ]
    assert keep_or_refold(arrivals) == fold(arrivals)


def test_the_kept_summary_survives_json():
    summary = fold(events([0, 1, 2, 3]))
    summary.flags, summary.callback, summary.left_for_callback_at = ("critical",), True, at(5)
    assert load(json.loads(json.dumps(dump(summary)))) == summary


def test_a_callback_waits_past_the_hang_up_fails_once_and_is_answered():
    def e(kind: str, seconds: int, seq: int, **data) -> CallEvent:
        return CallEvent(kind, at(seconds), seq, data)

    waiting = fold(
        [
            e("call_offered", 0, 1, queue="psy"),
            e("callback_requested", 20, 2),
            e("call_ended", 30, 3),  # the caller hangs up to be called back
            e("callback_dialing", 60, 4, agent="ivanova"),
            e("call_ended", 70, 5),  # the callback leg hung up before the caller answered
        ]
    )
    assert waiting.ended_at is None and waiting.left_for_callback_at == at(30)
    assert waiting.dialing is False and waiting.agent == "" and waiting.callback_attempts == 1
    failed = step(waiting, e("callback_failed", 80, 6))
    assert failed.callback_failures == 1 and failed.callback_failed_at == at(80)
    assert failed.ended_at is None  # not the last attempt: the caller waits for the next
    step(failed, e("callback_dialing", 120, 7, agent="petrov"))
    answered = step(failed, e("callback_answered", 125, 8))
    assert answered.answered_at == at(125) and answered.agent == "petrov"
    assert answered.agents == ["ivanova", "petrov"] and not answered.dialing
    late = step(answered, e("callback_failed", 130, 9, give_up=True))
    assert late.ended_at is None and late.callback_failures == 1  # over: a late word
    ended = step(late, e("call_ended", 300, 10, disposition="consultation"))
    assert ended.state == "ended" and ended.disposition == "consultation"


def test_a_callback_given_up_is_lost_and_a_transfer_out_ends_the_call():
    lost = fold(
        [
            CallEvent("call_offered", at(0), 1, {}),
            CallEvent("callback_requested", at(5), 2, {}),
            CallEvent("call_ended", at(10), 3, {}),
            CallEvent("callback_failed", at(90), 4, {"give_up": True}),
        ]
    )
    assert lost.state == "abandoned" and lost.disposition == "callback_failed"
    out = fold(
        [
            CallEvent("call_offered", at(0), 1, {}),
            CallEvent("call_answered", at(5), 2, {"agent": "ivanova"}),
            CallEvent("call_transferred", at(50), 3, {"to_number": "+78001234567"}),
            CallEvent("call_answered", at(60), 4, {"agent": "petrov"}),  # too late: gone
        ]
    )
    assert out.state == "ended" and out.ended_at == at(50) and out.disposition == "transferred"
    assert out.agents == ["ivanova"]
