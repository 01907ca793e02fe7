"""Knowledge base: search quality on the labelled set, and speed on a generated corpus.

Quality: recall@3 and MRR of the evaluation set (vmeste/knowledge/data/evaluation.yaml, the
one the search was tuned on) and of the held-out set (data/heldout.yaml, never tuned on) over
the shared 40-article corpus. Speed: a 10,000-article corpus generated from the real
articles' sentences plus made-up words (so that the vocabulary grows as a real one would):
index build time, the process's resident memory that the index adds, and query latency
(p50/p95/max) for the evaluation queries, with and without a line filter.
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import time
from pathlib import Path

from vmeste.knowledge.evaluation import (
    DEMO_CORPUS,
    HELD_OUT,
    corpus_documents,
    evaluate,
    load_queries,
    seed_index,
)
from vmeste.knowledge.search import Document, Index, text
from vmeste.knowledge.seed import SYNONYMS

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "kb"
CORPUS = Path(os.environ.get("VMESTE_KB_CORPUS") or (SHARED if SHARED.is_dir() else DEMO_CORPUS))
TARGETS = {"recall_at_3": 0.9, "query_p95_ms": 20.0, "build_seconds": 30.0}
LINES = ["we-are-together", "moscow-volunteers", "circle-of-kindness", "social-coordinator",
         "cashback", "volgograd-volunteers"]  # fmt: skip
# Syllables of made-up names (places, drugs, programmes) that grow the vocabulary.
SYLLABLES = "ба ве ги до му ка ло ни пе ра со ту фи ха це чу ша ще ар ос ин ов ан"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def generate(count: int, seed: int = 7) -> list[Document]:
    """Articles of 12-30 sentences drawn from the real corpus, each with a few made-up words
    (names of places, drugs, programmes) from a pool that grows with the corpus."""
    rng = random.Random(seed)
    real = corpus_documents(CORPUS)
    sentences = [s for d in real for s in d.body.split("\n") if len(s) > 30]
    titles = [d.title for d in real]
    tags = sorted({t for d in real for t in d.tags})
    syllables = SYLLABLES.split()
    made_up = [
        "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        for _ in range(max(count * 3, 100))
    ]
    documents = []
    for number in range(count):
        body = [rng.choice(sentences) for _ in range(rng.randint(12, 30))]
        extra = " ".join(rng.choice(made_up) for _ in range(rng.randint(3, 8)))
        body.append(f"Смотрите также: {extra}.")
        documents.append(
            Document(
                id=f"gen-{number:05d}",
                title=f"{rng.choice(titles)} — {rng.choice(made_up)}",
                body="\n".join(body),
                tags=tuple(rng.sample(tags, 4)),
                lines=(rng.choice(LINES),) if rng.random() < 0.9 else (),
            )
        )
    return documents


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(quick: bool = False) -> dict:
    queries = load_queries()
    quality = evaluate(seed_index(CORPUS), queries)
    held_out = evaluate(seed_index(CORPUS), load_queries(HELD_OUT))
    # The same engine without the synonym dictionary: what the dictionary contributes.
    bare = evaluate(Index(corpus_documents(CORPUS)), queries)

    size = 1_000 if quick else 10_000
    documents = generate(size)
    text.analyse.cache_clear()  # the build pays for its morphology, as in a fresh process
    gc.collect()
    before = _rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    index = Index(documents, [entry.split(",") for entry in SYNONYMS])
    build_seconds = time.perf_counter() - started
    build_cpu_seconds = time.process_time() - cpu
    gc.collect()
    index_mb = _rss_mb() - before

    # Wall time is what an operator waits for; CPU time (of this thread) is what the search
    # costs, and stays meaningful when other processes share the machine's cores.
    timings: list[float] = []
    cpu_timings: list[float] = []
    rng = random.Random(3)
    rounds = 2 if quick else 5
    for _ in range(rounds):
        for item in queries:
            line = rng.choice([None, None, *LINES])
            started, cpu = time.perf_counter(), time.thread_time()
            index.search(item["q"], line=line, limit=10)
            timings.append((time.perf_counter() - started) * 1000)
            cpu_timings.append((time.thread_time() - cpu) * 1000)
    return {
        "targets": TARGETS,
        "evaluation": {k: v for k, v in quality.items() if k != "misses"},
        "evaluation_misses": quality["misses"],
        "evaluation_without_synonyms": {k: v for k, v in bare.items() if k != "misses"},
        "held_out": {k: v for k, v in held_out.items() if k != "misses"},
        "held_out_misses": held_out["misses"],
        "generated_articles": size,
        "vocabulary_words": len(index.surface),
        "distinct_terms": len(index.postings),
        "build_seconds": round(build_seconds, 2),
        "build_cpu_seconds": round(build_cpu_seconds, 2),
        "index_memory_mb": round(index_mb, 1),
        "process_rss_mb": round(_rss_mb(), 1),
        "queries_timed": len(timings),
        "query_p50_ms": round(statistics.median(timings), 2),
        "query_p95_ms": round(_percentile(timings, 0.95), 2),
        "query_max_ms": round(max(timings), 2),
        "query_cpu_p50_ms": round(statistics.median(cpu_timings), 2),
        "query_cpu_p95_ms": round(_percentile(cpu_timings, 0.95), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
