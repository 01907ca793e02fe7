"""Search quality on the labelled evaluation set: a floor, not a timing."""

import pytest

from vmeste.knowledge.evaluation import evaluate, load_queries, seed_index
from vmeste.knowledge.tests.conftest import CORPUS


@pytest.fixture(scope="module")
def index():
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
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


def test_the_shipped_demo_corpus_matches_the_shared_one():
    from vmeste.knowledge.evaluation import DEMO_CORPUS
    from vmeste.knowledge.tests.conftest import SHARED

    if not SHARED.is_dir():
        pytest.skip("no shared corpus to compare with")
    shipped = {p.name: p.read_bytes() for p in DEMO_CORPUS.glob("*.md")}
    assert shipped == {p.name: p.read_bytes() for p in SHARED.glob("*.md")}
