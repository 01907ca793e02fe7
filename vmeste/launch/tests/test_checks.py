"""The checks never fail on a file, whatever it holds: they report it (pure, no database)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from vmeste.launch import checks
from vmeste.launch import document as doc

KNOWN = checks.Known(regions={"RU-TVE": "Europe/Moscow"}, categories={"groceries": None})
leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | (st.text(max_size=12))
    | st.sampled_from(["24/7", "08:00-22:00", "22:00", "RU-TVE", "food"])
)
junk = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from([*doc.QUEUE_KEYS, *doc.CENTRE_KEYS, *doc.SHIFT_KEYS, "x"]),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({key: junk for key in doc.TOP_KEYS}))
def test_any_shape_is_reported_not_raised(raw):
    document, problems = checks.check(raw, KNOWN)
    assert (document is None) == bool(problems)


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "schema": st.just(doc.SCHEMA),
            "line": st.dictionaries(st.sampled_from(doc.LINE_KEYS), junk, max_size=12),
            "centres": st.lists(
                st.dictionaries(st.sampled_from(doc.CENTRE_KEYS), junk), max_size=3
            ),
            "queues": st.lists(st.dictionaries(st.sampled_from(doc.QUEUE_KEYS), junk), max_size=3),
            "agents": st.lists(st.dictionaries(st.sampled_from(doc.AGENT_KEYS), junk), max_size=3),
        }
    )
)
def test_each_section_with_junk_values_is_reported_not_raised(raw):
    document, problems = checks.check(raw, KNOWN)
    assert problems and document is None
