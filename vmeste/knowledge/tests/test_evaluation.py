"""Search quality on the labelled evaluation set: a floor, not a timing."""

import pytest

from vmeste.knowledge.evaluation import HELD_OUT, evaluate, load_queries, seed_index
from vmeste.knowledge.tests.conftest import CORPUS


@pytest.fixture(scope="module")
def index():
    if not CORPUS.is_dir():
        pytest.fail(f"the corpus is not at {CORPUS}")
    return seed_index(CORPUS)


def test_the_evaluation_set_is_realistic_and_labelled():
    queries = load_queries()
    assert len(queries) >= 60
    kinds = {q["kind"] for q in queries}
    assert {"form", "colloquial", "typo", "abbreviation", "paraphrase", "no-shared-word"} <= kinds
    for query in queries:
        assert query["q"] and query["expect"]


def test_recall_at_3_stays_above_the_floor(index):
    figures = evaluate(index, load_queries())
    assert figures["recall_at_3"] >= 0.9, figures["misses"]
    assert figures["mrr"] >= 0.8


def test_the_held_out_set_is_apart_from_the_tuning_set_and_labelled(index):
    held_out, tuned = load_queries(HELD_OUT), load_queries()
    assert len(held_out) >= 80
    assert not {q["q"] for q in held_out} & {q["q"] for q in tuned}
    articles = {document.id for document in index.documents}
    assert len(articles) == 40
    assert {slug for q in held_out for slug in q["expect"]} == articles  # each one asked for


def test_recall_on_the_held_out_set_stays_above_its_floor(index):
    """0.943 when the set was written (82 of 87): the floor guards against a regression
    and is no target to tune for (the set's header says what to do with a failure)."""
    figures = evaluate(index, load_queries(HELD_OUT))
    assert figures["recall_at_3"] >= 0.9, figures["misses"]


def test_the_shipped_demo_corpus_matches_the_shared_one():
    from vmeste.knowledge.evaluation import DEMO_CORPUS
    from vmeste.knowledge.tests.conftest import SHARED

    # ../shared sits beside every checkout that follows the layout (CI's too): its absence
    # is a broken checkout, not a reason to skip.
    assert SHARED.is_dir(), f"the shared corpus is missing at {SHARED}"
    shipped = {p.name: p.read_bytes() for p in DEMO_CORPUS.glob("*.md")}
    assert shipped == {p.name: p.read_bytes() for p in SHARED.glob("*.md")}
