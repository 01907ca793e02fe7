"""The in-process search index: BM25F ranking over title, tags and body, with typo tolerance,
synonym expansion, a line filter and highlighted snippets. Pure Python, no Django, no I/O.

Every (term, article) contribution to the score is computed once, at build time, so that a
query only adds up numbers from a few posting lists. The index is immutable: a process
builds a new one when the articles change (see services.current_index) and swaps it in.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz, process

from vmeste.knowledge.search import text
from vmeste.knowledge.search.snippets import highlight, snippet

# Field weights and BM25F constants, tuned on the evaluation set (evaluation.py).
FIELDS = {"title": (3.0, 0.5), "tags": (2.5, 0.3), "body": (1.0, 0.75)}  # weight, b
K1 = 1.2
SYNONYM_WEIGHT = 0.8
# Every term also indexes its first letters, so that words of one root in different parts of
# speech meet («продлить» → «продл», «продление» → «продлен»: both «продл»), at a discount.
PREFIX_LENGTH = 5
PREFIX_WEIGHT = 0.35
MAX_QUERY_WORDS = 64  # a pasted page is searched by its beginning
MIN_FUZZY_LENGTH = 4

# A word typed with the Latin layout switched on: «ghbdbdrf» is «прививка».
_LAYOUT = str.maketrans("qwertyuiop[]asdfghjkl;'zxcvbnm,.`", "йцукенгшщзхъфывапролджэячсмитьбюё")


@dataclass(frozen=True)
class Document:
    """One article as the engine sees it. `lines` empty = the article serves every line."""

    id: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None

    def serves(self, line: str | frozenset[str] | None) -> bool:
        """Whether the article answers on `line` (one code, or any of a set of codes)."""
        if not line or not self.lines:
            return True
        if isinstance(line, str):
            return line in self.lines
        return not line.isdisjoint(self.lines)

    def valid_on(self, day: date | None) -> bool:
        if day is None:
            return True
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    score: float
    snippet: str  # HTML: escaped text with <mark> around the words that matched
    title_html: str
    lines: tuple[str, ...]
    tags: tuple[str, ...]


Alternative = tuple[tuple[str, ...], float]  # a phrase's terms, and its weight


@dataclass
class Query:
    """What a query became: concepts (each scored by its best alternative) and the corrections.

    A concept is one query word, or a synonym group the query named: an article that says
    «больничный» and one that says «листок нетрудоспособности» answer the same concept, and
    neither should score twice for naming both.
    """

    concepts: list[list[Alternative]] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)  # typed word → vocabulary word

    @property
    def marked(self) -> set[str]:
        return {t for concept in self.concepts for phrase, _w in concept for t in phrase}


def prefix(term_: str) -> str:
    """The prefix key of a term, or "" when the term is too short to have one."""
    return "^" + term_[:PREFIX_LENGTH] if len(term_) > PREFIX_LENGTH else ""


class Index:
    def __init__(self, documents: Sequence[Document], synonyms: Iterable[Sequence[str]] = ()):
        self.documents = list(documents)
        self.postings: dict[str, tuple[list[int], list[float]]] = {}
        self.surface: dict[str, str] = {}  # folded word → term, for typo correction
        self._by_length: dict[int, list[str]] = defaultdict(list)
        self._phrases: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        self._groups: list[list[tuple[str, ...]]] = []
        self._build_postings()
        self._build_synonyms(synonyms)
        for word in self.surface:
            if len(word) >= MIN_FUZZY_LENGTH - 1:
                self._by_length[len(word)].append(word)

    # -- building -------------------------------------------------------------------------

    def _field_terms(self, doc: Document) -> dict[str, list[str]]:
        fields = {"title": doc.title, "tags": " ".join(doc.tags), "body": doc.body}
        out: dict[str, list[str]] = {}
        for name, value in fields.items():
            found: list[str] = []
            for word in text.words(value):
                if text.is_stop(word):
                    continue
                self.surface.setdefault(word, text.term(word))
                found.append(self.surface[word])
                if "-" in word:
                    found.extend(text.term(p) for p in word.split("-") if not text.is_stop(p))
            found.extend([key for t in found if (key := prefix(t))])
            out[name] = found
        return out

    def _build_postings(self) -> None:
        per_doc: list[dict[str, Counter]] = []
        totals = dict.fromkeys(FIELDS, 0)
        for doc in self.documents:
            fields = self._field_terms(doc)
            per_doc.append({name: Counter(found) for name, found in fields.items()})
            for name, found in fields.items():
                totals[name] += len(found)
        n = max(len(self.documents), 1)
        average = {name: max(total / n, 1.0) for name, total in totals.items()}
        # Weighted, length-normalised term frequency of every term in every article (BM25F).
        weighted: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for number, counters in enumerate(per_doc):
            mixed: dict[str, float] = defaultdict(float)
            for name, counter in counters.items():
                weight, b = FIELDS[name]
                length = sum(counter.values())
                norm = 1 - b + b * length / average[name]
                for term_, tf in counter.items():
                    mixed[term_] += weight * tf / norm
            for term_, tf in mixed.items():
                weighted[term_].append((number, tf))
        for term_, entries in weighted.items():
            df = len(entries)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            ids = [number for number, _ in entries]
            scores = [idf * tf * (K1 + 1) / (tf + K1) for _, tf in entries]
            self.postings[term_] = (ids, scores)

    def _build_synonyms(self, groups: Iterable[Sequence[str]]) -> None:
        for raw_group in groups:
            phrases: list[tuple[str, ...]] = []
            for phrase in raw_group:
                for word in text.words(phrase):
                    self.surface.setdefault(word, text.term(word))
                found = tuple(text.terms(phrase))
                if found and found not in phrases:
                    phrases.append(found)
            if len(phrases) < 2:
                continue
            number = len(self._groups)
            self._groups.append(phrases)
            for found in phrases:
                self._phrases[found[0]].append((found, number))

    # -- querying -------------------------------------------------------------------------

    def _known(self, term_: str) -> bool:
        return bool(term_) and (term_ in self.postings or term_ in self._phrases)

    def _correct(self, word: str) -> str | None:
        """The vocabulary word closest to a word the index does not know, if any is close."""
        if word.isascii() and word.isalpha():
            switched = word.translate(_LAYOUT)
            if self._known(text.term(switched)):
                return switched
        if len(word) < MIN_FUZZY_LENGTH or not any(c.isalpha() for c in word):
            return None
        candidates: list[str] = []
        for length in range(len(word) - 2, len(word) + 3):
            candidates.extend(self._by_length.get(length, ()))
        cutoff = 75 if len(word) <= 5 else 78
        best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=cutoff)
        return best[0] if best else None

    def parse(self, query: str) -> Query:
        parsed = Query()
        sequence: list[str] = []
        for word in text.words(query)[:MAX_QUERY_WORDS]:
            if text.is_stop(word):
                continue
            term_ = text.term(word)
            if not self._known(term_) and not self._known(prefix(term_)):
                corrected = self._correct(word)
                if corrected is None:
                    continue
                parsed.corrections[word] = corrected
                term_ = self.surface.get(corrected) or text.term(corrected)
            sequence.append(term_)
        position, seen = 0, set()
        while position < len(sequence):
            group = self._group_at(sequence, position)
            if group is None:
                term_ = sequence[position]
                position += 1
                if term_ not in seen:
                    seen.add(term_)
                    parsed.concepts.append([((term_,), 1.0)])
                continue
            number, length = group
            position += length
            if ("group", number) in seen:
                continue
            seen.add(("group", number))
            typed = tuple(sequence[position - length : position])
            parsed.concepts.append(
                [(p, 1.0 if p == typed else SYNONYM_WEIGHT) for p in self._groups[number]]
            )
        return parsed

    def _group_at(self, sequence: list[str], position: int) -> tuple[int, int] | None:
        """The synonym group whose longest phrase starts at `position`, and its length."""
        best: tuple[int, int] | None = None
        for phrase, number in self._phrases.get(sequence[position], ()):
            if tuple(sequence[position : position + len(phrase)]) == phrase and (
                best is None or len(phrase) > best[1]
            ):
                best = (number, len(phrase))
        return best

    def _term_scores(self, term_: str) -> dict[int, float]:
        """An article's score for one term: its exact matches, else a share of its prefix."""
        out: dict[int, float] = {}
        ids, values = self.postings.get(prefix(term_), ((), ()))
        for number, value in zip(ids, values, strict=True):
            out[number] = PREFIX_WEIGHT * value
        ids, values = self.postings.get(term_, ((), ()))
        for number, value in zip(ids, values, strict=True):
            out[number] = value + out.get(number, 0.0)
        return out

    def scores(self, parsed: Query) -> dict[int, float]:
        totals: dict[int, float] = defaultdict(float)
        for concept in parsed.concepts:
            if len(concept) == 1 and len(concept[0][0]) == 1:
                ((phrase, weight),) = concept
                for number, value in self._term_scores(phrase[0]).items():
                    totals[number] += weight * value
                continue
            best: dict[int, float] = {}
            for phrase, weight in concept:
                share = weight / len(phrase)
                found: dict[int, float] = defaultdict(float)
                for term_ in phrase:
                    for number, value in self._term_scores(term_).items():
                        found[number] += share * value
                for number, value in found.items():
                    if value > best.get(number, 0.0):
                        best[number] = value
            for number, value in best.items():
                totals[number] += value
        return totals

    def search(
        self,
        query: str,
        *,
        line: str | frozenset[str] | None = None,
        limit: int = 10,
        on: date | None = None,
    ) -> list[Hit]:
        """The best articles for a query, best first; never raises on odd input."""
        if not isinstance(query, str) or limit <= 0:
            return []
        parsed = self.parse(query)
        if not parsed.concepts:
            return []
        totals = self.scores(parsed)
        eligible = (
            (score, number)
            for number, score in totals.items()
            if self.documents[number].serves(line) and self.documents[number].valid_on(on)
        )
        best = heapq.nlargest(limit, eligible, key=lambda pair: (pair[0], -pair[1]))
        marked = parsed.marked
        return [
            Hit(
                id=doc.id,
                title=doc.title,
                score=round(score, 4),
                snippet=snippet(doc.body, marked),
                title_html=highlight(doc.title, marked),
                lines=doc.lines,
                tags=doc.tags,
            )
            for score, number in best
            for doc in (self.documents[number],)
        ]

    @property
    def size(self) -> int:
        return len(self.documents)
