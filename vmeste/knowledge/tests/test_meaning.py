"""The optional meaning layer: reciprocal rank fusion (pure), passages, the fused search with a
stand-in encoder (numpy only, so CI runs it), the switch, and the real bundled model when
the `meaning` extra is installed."""

from datetime import date

import pytest

from vmeste.knowledge.search import Document, Index, meaning
from vmeste.knowledge.search.meaning import (
    MeaningIndex,
    chunks,
    fused_search,
    reciprocal_rank_fusion,
)

np = pytest.importorskip("numpy")

# -- reciprocal rank fusion ------------------------------------------------------------------


def test_rrf_adds_up_one_over_k_plus_rank():
    fused = dict(reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)


def test_rrf_ranks_what_both_rankings_name_above_what_one_names_first():
    ranked = [item for item, _s in reciprocal_rank_fusion([["x", "both"], ["y", "both"]])]
    assert ranked[0] == "both"
    assert set(ranked) == {"x", "y", "both"}


def test_rrf_ties_go_to_the_first_ranking_and_weights_count():
    # a is 1st lexically, b is 1st by meaning: equal sums, the lexical order wins the tie.
    assert [i for i, _s in reciprocal_rank_fusion([["a", "b"], ["b", "a"]])] == ["a", "b"]
    weighted = reciprocal_rank_fusion([["a", "b"], ["b", "a"]], weights=(1.0, 2.0))
    assert [i for i, _s in weighted] == ["b", "a"]


def test_rrf_of_nothing_is_nothing():
    assert reciprocal_rank_fusion([]) == []
    assert reciprocal_rank_fusion([[], []]) == []
    assert reciprocal_rank_fusion([["only"], []]) == [("only", pytest.approx(1 / 61))]


# -- passages --------------------------------------------------------------------------------


def test_an_article_is_cut_into_passages_headed_by_its_title():
    body = "\n".join(f"строка номер {n} " + "слово " * 30 for n in range(10))
    passages = chunks(Document(id="a", title="Заголовок", body=body), size=100)
    assert passages[0] == "Заголовок"
    assert len(passages) > 3
    for passage in passages[1:]:
        assert passage.startswith("Заголовок\n")
        assert len(passage.split()) <= 100 + 40  # a run stops before passing the size
    joined = "\n".join(p.removeprefix("Заголовок\n") for p in passages[1:])
    assert joined == "\n".join(line.strip() for line in body.split("\n"))


def test_an_empty_article_still_has_a_passage():
    assert chunks(Document(id="x", title="", body="")) == ["x"]


# -- a stand-in encoder: concepts by word stems, so the test knows what "means" what ---------

CONCEPTS = [
    ("квартир", "плат", "жку", "коммунал", "субсид"),
    ("больн", "врач", "лечен"),
    ("волонт", "помога", "добровол"),
]


class ConceptEncoder:
    """Each concept an axis, plus a constant axis: a text naming no concept points away
    from every article (cosine under the floor), like an unrelated query."""

    def __init__(self):
        self.calls = 0  # passages embedded
        self.queries = 0

    def _vector(self, value: str):
        vector = np.zeros(len(CONCEPTS) + 1, dtype=np.float32)
        vector[-1] = 0.2
        for word in value.lower().split():
            for axis, stems in enumerate(CONCEPTS):
                vector[axis] += any(word.startswith(s) for s in stems)
        return vector / np.linalg.norm(vector)

    def query(self, value: str):
        self.queries += 1
        return self._vector(value)

    def passage(self, values: list[str]):
        self.calls += len(values)
        return np.stack([self._vector(v) for v in values])


DOCS = [
    Document(id="zhku", title="Оплата ЖКУ", body="Субсидия: жку дешевле.", lines=("a",)),
    Document(id="sick", title="Больничный лист", body="Больничный оформляет врач."),
    Document(id="vol", title="Как стать волонтёром", body="Волонтёры помогают пожилым."),
    Document(
        id="old",
        title="Субсидия ЖКУ в 2020 году",
        body="Жку, субсидия.",
        lines=("b",),
        valid_until=date(2020, 12, 31),
    ),
]


@pytest.fixture
def both():
    encoder = ConceptEncoder()
    return Index(DOCS), MeaningIndex(DOCS, encoder), encoder


def test_a_query_sharing_no_word_is_answered_by_meaning(both):
    index, semantic, _encoder = both
    query = "нечем платить за квартиру"
    assert index.search(query) == []  # no shared word: the lexical engine has nothing
    hits = fused_search(index, semantic, query, on=date(2026, 11, 22))
    assert [h.id for h in hits] == ["zhku"]
    assert hits[0].snippet and "<mark>" not in hits[0].snippet  # no word to highlight


def test_meaning_results_obey_the_line_and_validity_filters(both):
    index, semantic, _encoder = both
    query = "нечем платить за квартиру"
    assert fused_search(index, semantic, query, line="b", on=date(2026, 11, 22)) == []
    assert [h.id for h in fused_search(index, semantic, query, line="b")] == ["old"]
    assert [h.id for h in fused_search(index, semantic, query, line="a")] == ["zhku"]


def test_when_both_agree_the_lexical_best_stays_first(both):
    index, semantic, _encoder = both
    lexical = [h.id for h in index.search("больничный лист")]
    fused = [h.id for h in fused_search(index, semantic, "больничный лист")]
    assert lexical[0] == fused[0] == "sick"


def test_auto_asks_the_meaning_layer_only_when_the_words_find_too_little(both):
    index, semantic, encoder = both
    many = "жку больничный волонтёр"  # the words find three articles: kept as they are
    assert len(index.search(many)) >= 3
    assert fused_search(index, semantic, many, always=False) == index.search(many)
    assert encoder.queries == 0  # not even embedded: no cost on such a query
    fused_search(index, semantic, many, always=True)
    assert encoder.queries == 1
    few = "нечем платить за квартиру"  # the words find nothing: the meaning layer answers
    assert {h.id for h in fused_search(index, semantic, few, always=False)} == {"zhku", "old"}


def test_an_unrelated_query_adds_nothing(both):
    index, semantic, _encoder = both
    for query in ["asdf", "погода в париже", "🙂", "", "   ", "AND NEAR("]:
        assert fused_search(index, semantic, query) == index.search(query)


def test_without_a_meaning_index_the_search_is_the_lexical_one(both):
    index, _semantic, _encoder = both
    for query in ["больничный", "жку", "волонтёр", "", "🙂", "x" * 10_000]:
        assert fused_search(index, None, query) == index.search(query)
        assert fused_search(index, None, query, limit=0) == []


def test_a_rebuild_embeds_only_what_changed(both, tmp_path):
    _index, semantic, encoder = both
    first = encoder.calls
    assert semantic.embedded == first > 0
    edited = [*DOCS[:3], Document(id="old", title="Новый заголовок", body="Жку, субсидия.")]
    again = MeaningIndex(edited, encoder, cache=semantic.cache)
    assert again.embedded == encoder.calls - first == 2  # the title, and the body under it
    path = tmp_path / "v" / "vectors.npz"
    meaning.save_vectors(path, again.cache, again.keys)
    saved = meaning.load_vectors(path)
    assert set(saved) == set(again.keys)
    fresh = ConceptEncoder()
    assert MeaningIndex(edited, fresh, cache=saved).embedded == 0 and fresh.calls == 0


def test_unreadable_saved_vectors_are_an_empty_cache(tmp_path):
    broken = tmp_path / "vectors.npz"
    broken.write_bytes(b"not a numpy file")
    assert meaning.load_vectors(broken) == {}
    assert meaning.load_vectors(tmp_path / "missing.npz") == {}


# -- the switch --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "installed", "expected"),
    [
        ("off", True, False),
        ("auto", True, True),
        ("auto", False, False),
        ("on", False, False),  # wanted but missing: a warning, and the lexical search
        ("on", True, True),
        ("nonsense", True, True),  # read as auto
    ],
)
def test_the_setting(monkeypatch, value, installed, expected):
    monkeypatch.setenv(meaning.SETTING, value)
    monkeypatch.setattr(meaning, "available", lambda: installed)
    assert meaning.enabled() is expected


# -- the real bundled model (only with the `meaning` extra installed) -------------------------


def test_the_bundled_model_brings_a_paraphrase_into_the_first_three():
    pytest.importorskip(meaning.PACKAGE)
    from vmeste.knowledge.evaluation import DEMO_CORPUS, corpus_documents
    from vmeste.knowledge.seed import SYNONYMS

    # Ten articles (embedding all 40 takes a minute here); home care is kb-028.
    wanted = {f"kb-{n:03d}" for n in (3, 10, 13, 14, 18, 28, 29, 31, 34, 37)}
    docs = [d for d in corpus_documents(DEMO_CORPUS) if d.id in wanted]
    index = Index(docs, [entry.split(",") for entry in SYNONYMS])
    semantic = MeaningIndex(docs, meaning.load_encoder())
    query = "бабушка не может сама помыться и поесть"
    assert semantic.rank(query, limit=1)[0][0] == "kb-028"
    lexical = [h.id for h in index.search(query)]
    fused = [h.id for h in fused_search(index, semantic, query, always=True)]
    assert "kb-028" not in lexical[:3]
    assert "kb-028" in fused[:3]
    # `auto` asks the meaning layer only when the words found fewer than three articles.
    assert len(lexical) >= 3
    assert [h.id for h in fused_search(index, semantic, query, always=False)] == lexical


# -- services: the process's meaning index beside its lexical index ---------------------------


@pytest.fixture
def layer(monkeypatch, settings, tmp_path):
    """The layer switched on with the stand-in encoder, vectors saved under a temporary
    data directory, and the process's meaning index forgotten before and after."""
    from vmeste.knowledge import semantic

    encoder = ConceptEncoder()
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv(meaning.SETTING, "auto")
    monkeypatch.setattr(meaning, "available", lambda: True)
    monkeypatch.setattr(meaning, "load_encoder", lambda: encoder)
    fresh = {"source": None, "index": None, "building": None, "encoder": None}
    monkeypatch.setattr(semantic, "_meaning", dict(fresh))
    yield encoder


QUERIES = ["коммуналка оплата", "больничный", "волонтёр", "нечем платить за квартиру", "🙂"]


def test_with_the_layer_off_services_search_is_the_lexical_one(imported, monkeypatch):
    from django.utils import timezone

    from vmeste.knowledge import semantic, services

    monkeypatch.setenv(meaning.SETTING, "off")
    index = services.current_index()
    assert semantic.meaning_index(index) is None
    for query in QUERIES:
        expected = index.search(query, limit=10, on=timezone.localdate())
        assert services.search(query=query) == expected


def test_services_search_fuses_the_meaning_layer_and_keeps_it_in_step(imported, layer, editor):
    from django.utils import timezone

    from vmeste.knowledge import semantic, services
    from vmeste.knowledge.models import Article

    index = services.current_index()
    built = semantic.meaning_index(index, wait=True)
    assert built is not None and built.size == index.size and layer.calls == built.embedded
    assert (semantic._vectors_path()).is_file()  # the next process starts from these
    today = timezone.localdate()
    for query in QUERIES:
        assert services.search(query=query) == fused_search(index, built, query, on=today)
    assert services.search(query="субсидия жку")[0].id == "kb-013"

    # An article leaves: the next search's lexical index is new, and so is the meaning index,
    # built from the vectors already computed (nothing to embed for a removal).
    calls = layer.calls
    article = Article.objects.get(slug="kb-013")
    services.transition(article=article, status="archived", user=editor)
    index = services.current_index()
    rebuilt = semantic.meaning_index(index, wait=True)
    assert rebuilt is not built and rebuilt.size == index.size == built.size - 1
    assert layer.calls == calls and rebuilt.embedded == 0
    assert "kb-013" not in [h.id for h in services.search(query="субсидия жку")]


def test_a_meaning_index_that_cannot_be_built_leaves_the_lexical_search(
    imported, layer, monkeypatch
):
    from django.utils import timezone

    from vmeste.knowledge import semantic, services

    def broken():
        raise RuntimeError("no model")

    monkeypatch.setattr(meaning, "load_encoder", broken)
    index = services.current_index()
    assert semantic.meaning_index(index, wait=True) is None
    assert semantic.meaning_index(index) is None  # not retried on every search
    expected = index.search("больничный", limit=10, on=timezone.localdate())
    assert services.search(query="больничный") == expected
