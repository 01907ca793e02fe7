"""The process's meaning index (the optional layer of search/meaning.py), kept in step with
its lexical index: services.search fuses the two when the layer is on."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django.conf import settings

from vmeste.knowledge.search import Index, meaning
from vmeste.knowledge.search.meaning import MeaningIndex

log = logging.getLogger(__name__)

_meaning: dict = {"source": None, "index": None, "building": None, "encoder": None}
_meaning_lock = threading.Lock()


def _vectors_path() -> Path:
    return Path(settings.DATA_DIR) / "kb-meaning" / "vectors.npz"


def _build_meaning(source: Index) -> None:
    """Embed the lexical index's articles (passages already embedded come from the saved
    vectors) and swap the meaning index in. Runs in a thread: embedding a corpus the first
    time takes minutes, and searches answer lexically meanwhile."""
    try:
        encoder = _meaning["encoder"] or meaning.load_encoder()
        _meaning["encoder"] = encoder
        path = _vectors_path()
        previous = _meaning["index"]
        vectors = previous.cache if previous is not None else meaning.load_vectors(path)
        built = meaning.MeaningIndex(source.documents, encoder, cache=vectors)
        if built.embedded:
            meaning.save_vectors(path, built.cache, built.keys)
            built.cache = {key: built.cache[key] for key in built.keys}  # forget old passages
        _meaning["index"] = built
    except Exception:  # the layer is optional: lexical search must go on
        log.exception("knowledge base: the meaning index could not be built")
    finally:
        _meaning["source"], _meaning["building"] = source, None


def meaning_index(source: Index, *, wait: bool = False) -> MeaningIndex | None:
    """The meaning index to fuse with `source` (the current lexical index), or None when the
    layer is off or not installed. A new one is built in the background when the articles
    changed; until it is ready the previous one answers (articles it holds that the lexical
    index no longer does are skipped), or none. `wait` blocks until it is ready (the
    evaluation command, tests)."""
    if not meaning.enabled():
        return None
    with _meaning_lock:
        thread = _meaning["building"]
        if _meaning["source"] is not source and thread is None:
            thread = threading.Thread(target=_build_meaning, args=(source,), daemon=True)
            _meaning["building"] = thread
            thread.start()
    if wait and thread is not None:
        thread.join()
        if _meaning["source"] is not source:  # a build for an older index had been running
            return meaning_index(source, wait=True)
    return _meaning["index"]
