from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmeste.assistance import transitions as t

statuses = st.sampled_from(t.STATUSES)
outcomes = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "helped": st.one_of(st.booleans(), st.none()),
            "how": st.sampled_from([*t.OUTCOME_HOW, "x"]),
        }
    ),
)


def test_the_happy_path_and_the_waiting_loop():
    path = [t.NEW, t.TRIAGED, t.IN_PROGRESS, t.WAITING, t.IN_PROGRESS]
    for frm, to in pairwise(path):
        assert t.check(frm, to) == []
    assert t.check(t.IN_PROGRESS, t.RESOLVED, outcome={"helped": True, "how": "delivery"}) == []


def test_closed_requests_only_reopen_with_a_reason():
    for closed in t.CLOSED:
        assert t.allowed_targets(closed) == [t.IN_PROGRESS]
        assert t.check(closed, t.IN_PROGRESS)[0].code == "reason_required"
        assert t.check(closed, t.IN_PROGRESS, comment="вернули") == []
        assert t.check(closed, t.NEW)[0].code == "not_allowed"


@given(statuses, st.sampled_from([*t.STATUSES, "bogus"]), st.text(max_size=5), outcomes)
# A pure check: on a machine shared by several test suites, generating its examples may be
# slow, which says nothing about the table.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_check_agrees_with_the_table(frm, to, comment, outcome):
    refusals = t.check(frm, to, comment=comment, outcome=outcome)
    if (frm, to) not in t.TRANSITIONS:
        assert refusals and refusals[0].field == "to"
        return
    needs = t.TRANSITIONS[(frm, to)]
    # What is wrong with the move, worked out here from the row: the refusals name exactly
    # that — an allowed move with every requirement met is accepted, any other is refused.
    reason_missing = "reason" in needs and not comment.strip()
    if "outcome" in needs:
        outcome_wrong = not outcome or not (
            isinstance(outcome["helped"], bool) and outcome["how"] in t.OUTCOME_HOW
        )
    else:
        outcome_wrong = bool(outcome)
    expected = {name for name, wrong in (("comment", reason_missing), ("outcome", outcome_wrong))
                if wrong}  # fmt: skip
    assert {r.field.split(".")[0] for r in refusals} == expected


@given(st.lists(statuses, max_size=30))
def test_any_walk_through_allowed_moves_stays_in_known_statuses(targets):
    status = t.NEW
    for to in targets:
        if to in t.allowed_targets(status):
            status = to
        assert status in t.STATUSES
    # From any status there is a way forward: no dead ends.
    assert t.allowed_targets(status)
