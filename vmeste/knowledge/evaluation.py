"""Search quality on the labelled evaluation set (data/evaluation.yaml): recall@k and MRR;
and on the held-out set (data/heldout.yaml), which the search was never tuned on.

Pure: builds an index from Markdown files and the seed synonyms, without a database, so that
the test suite and `make bench` measure the same engine the server runs.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from vmeste.knowledge import files
from vmeste.knowledge.search import Document, Index, meaning
from vmeste.knowledge.search.meaning import MeaningIndex
from vmeste.knowledge.seed import SYNONYMS

DATA = Path(__file__).resolve().parent / "data"
QUERIES = DATA / "evaluation.yaml"  # the search's synonyms and constants were tuned on it
HELD_OUT = DATA / "heldout.yaml"  # written afterwards, measured and never tuned on
# The 40 demo articles shipped with the package (a copy of ../shared/data/kb, which stays
# the reference): `vmeste kb import` of this folder loads the demo knowledge base.
DEMO_CORPUS = DATA / "kb"


def load_queries(path: Path = QUERIES) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def corpus_documents(folder: Path) -> list[Document]:
    documents = []
    for file in sorted(Path(folder).glob("*.md")):
        item = files.parse(file.name, file.read_text(encoding="utf-8"))
        documents.append(
            Document(
                id=item.slug,
                title=item.title,
                body=item.body,
                tags=tuple(item.tags),
                lines=tuple(item.lines),
            )
        )
    return documents


def seed_index(folder: Path) -> Index:
    return Index(corpus_documents(folder), [entry.split(",") for entry in SYNONYMS])


def seed_meaning(folder: Path, encoder=None) -> MeaningIndex:
    """The meaning layer over the same articles (needs the `meaning` extra)."""
    return MeaningIndex(corpus_documents(folder), encoder or meaning.load_encoder())


def evaluate(
    index: Index, queries: list[dict], *, k: int = 3, semantic: MeaningIndex | None = None
) -> dict:
    """recall@k (a right answer among the first k) and MRR, overall and by kind of query;
    with `semantic`, of the lexical ranking fused with the meaning layer's."""
    found, reciprocal = 0, 0.0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for item in queries:
        expected = set(item["expect"])
        hits = meaning.fused_search(index, semantic, item["q"], limit=10)
        ranked = [hit.id for hit in hits]
        rank = next((n for n, slug in enumerate(ranked, 1) if slug in expected), None)
        hit = rank is not None and rank <= k
        found += hit
        reciprocal += 1 / rank if rank else 0.0
        by_kind[item.get("kind", "")][0] += hit
        by_kind[item.get("kind", "")][1] += 1
        if not hit:
            misses.append({"q": item["q"], "expect": item["expect"], "got": ranked[:k]})
    total = max(len(queries), 1)
    return {
        "queries": len(queries),
        f"recall_at_{k}": round(found / total, 3),
        "mrr": round(reciprocal / total, 3),
        "recall_by_kind": {kind: round(h / n, 3) for kind, (h, n) in sorted(by_kind.items())},
        "misses": misses,
    }


def compare(folder: Path = DEMO_CORPUS, queries: list[dict] | None = None) -> dict:
    """The labelled set's figures, lexical alone and fused with the meaning layer (when the
    layer is on here: `meaning.enabled()`; embedding the 40 articles takes a minute)."""
    queries = load_queries() if queries is None else queries
    index = seed_index(folder)
    figures = {
        "meaning_layer": meaning.status(),
        "lexical": evaluate(index, queries),
        "held_out": evaluate(index, load_queries(HELD_OUT)),
    }
    if meaning.enabled():
        figures["fused"] = evaluate(index, queries, semantic=seed_meaning(folder))
    return figures


if __name__ == "__main__":  # python -m vmeste.knowledge.evaluation
    import json

    print(json.dumps(compare(), ensure_ascii=False, indent=2))
