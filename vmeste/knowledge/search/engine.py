"""The in-process search index: BM25F ranking over title, tags and body, with typo tolerance,
synonym expansion, a line filter and highlighted snippets. Pure Python, no Django, no I/O.

Every (term, article) contribution to the score is computed once, at build time, and each
term's postings are kept best first, so that a query only adds up the head of a few lists.
The index is immutable: a process builds a new one when the articles change (see
services.current_index) and swaps it in.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cached_property
from itertools import islice
from operator import itemgetter

from rapidfuzz import fuzz, process

from vmeste.knowledge.search import text
from vmeste.knowledge.search.documents import Alternative, Document, Hit, Query
from vmeste.knowledge.search.snippets import highlight, snippet

# Field weights and BM25F constants, chosen on the evaluation set (evaluation.py): recall@3
# is flat (0.99-1.0) around these values, so they are a plateau, not a lucky peak. A high K1
# lets a title or tag match keep its weight instead of saturating like one body mention.
FIELDS = {"title": (5.0, 0.5), "tags": (4.0, 0.3), "body": (1.0, 0.75)}  # weight, b
K1 = 3.0
SYNONYM_WEIGHT = 0.8
# Words of one root in different parts of speech have different stems («продлить» → «продл»,
# «продление» → «продлен»): a query term also matches the terms sharing its first letters,
# at a discount.
PREFIX_LENGTH = 5
PREFIX_WEIGHT = 0.35
MAX_SIBLINGS = 3
# Only the best-scoring articles of each term are added up: past this many, an article's
# share for a common word is too small to lift it into the first results, and walking the
# whole list is what would make a query slow on a large corpus.
MAX_POSTINGS = 1000
MAX_DISCOUNTED_POSTINGS = 200  # for words of the same root: their weight is a third
MAX_QUERY_WORDS = 64  # a pasted page is searched by its beginning
MIN_FUZZY_LENGTH = 4

# A word typed with the Latin layout switched on: «ghbdbdrf» is «прививка».
_LAYOUT = str.maketrans("qwertyuiop[]asdfghjkl;'zxcvbnm,.`", "йцукенгшщзхъфывапролджэячсмитьбюё")


class Index:
    def __init__(self, documents: Sequence[Document], synonyms: Iterable[Sequence[str]] = ()):
        self.documents = list(documents)
        # term → (article numbers, scores), best first; arrays: a tenth of lists' memory.
        self.postings: dict[str, tuple[array, array]] = {}
        self.surface: dict[str, str] = {}  # folded word → term (stop words left out)
        self.forms: dict[str, set[str]] = defaultdict(set)  # term → words, to highlight
        self._siblings: dict[str, list[str]] = defaultdict(list)  # prefix → terms
        self._phrases: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        self._groups: list[list[tuple[str, ...]]] = []
        self._synonym_terms: set[str] = set()
        self._windows: dict[int, list[str]] = {}
        self._build_postings()
        self._build_synonyms(synonyms)

    # -- building -------------------------------------------------------------------------

    def _term_of(self, word: str) -> str | None:
        term_ = self.surface.get(word)
        if term_ is None:
            term_, stop = text.analyse(word)
            if stop:
                return None
            self.surface[word] = term_
            self.forms[term_].add(word)
        return term_

    def _count(self, value: str) -> Counter:
        counts: Counter = Counter()
        known = self.surface.get
        for word, n in Counter(text.words(value)).items():
            term_ = known(word) or self._term_of(word)
            if term_ is not None:
                counts[term_] += n
            if "-" in word:  # «qr-код» is also found as «qr» and as «код»
                for part in word.split("-"):
                    if part and (part_term := self._term_of(part)) is not None:
                        counts[part_term] += n
                        self.forms[part_term].add(word)
        return counts

    def _build_postings(self) -> None:
        per_doc: list[dict[str, Counter]] = []
        totals = dict.fromkeys(FIELDS, 0)
        for doc in self.documents:
            fields = {
                "title": self._count(doc.title),
                "tags": self._count(" ".join(doc.tags)),
                "body": self._count(doc.body),
            }
            per_doc.append(fields)
            for name, counts in fields.items():
                totals[name] += counts.total()
        n = max(len(self.documents), 1)
        average = {name: max(total / n, 1.0) for name, total in totals.items()}
        # Weighted, length-normalised term frequency of every term in every article (BM25F).
        weighted: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for number, fields in enumerate(per_doc):
            mixed: dict[str, float] = defaultdict(float)
            for name, counts in fields.items():
                weight, b = FIELDS[name]
                factor = weight / (1 - b + b * counts.total() / average[name])
                for term_, tf in counts.items():
                    mixed[term_] += tf * factor
            for term_, tf in mixed.items():
                weighted[term_].append((number, tf))
        for term_, entries in weighted.items():
            idf = math.log(1 + (n - len(entries) + 0.5) / (len(entries) + 0.5))
            scored = sorted(
                ((idf * tf * (K1 + 1) / (tf + K1), number) for number, tf in entries),
                reverse=True,
            )
            self.postings[term_] = (
                array("i", [d for _s, d in scored]),
                array("f", [s for s, _d in scored]),
            )
        by_df = sorted(self.postings, key=lambda t: -len(self.postings[t][0]))
        for term_ in by_df:
            if len(term_) >= PREFIX_LENGTH:
                self._siblings[term_[:PREFIX_LENGTH]].append(term_)

    def _build_synonyms(self, groups: Iterable[Sequence[str]]) -> None:
        for raw_group in groups:
            phrases: list[tuple[str, ...]] = []
            for phrase in raw_group:
                found = tuple(t for w in text.words(phrase) if (t := self._term_of(w)))
                if found and found not in phrases:
                    phrases.append(found)
            if len(phrases) < 2:
                continue
            number = len(self._groups)
            self._groups.append(phrases)
            for found in phrases:
                self._phrases[found[0]].append((found, number))
                self._synonym_terms.update(found)

    # -- understanding a query ------------------------------------------------------------

    def _known(self, term_: str) -> bool:
        return bool(term_) and (term_ in self.postings or term_ in self._synonym_terms)

    def _candidates(self, length: int) -> list[str]:
        window = self._windows.get(length)
        if window is None:
            window = [w for w in self.surface if abs(len(w) - length) <= 2]
            self._windows[length] = window
        return window

    def _correct(self, word: str) -> str | None:
        """The vocabulary word closest to a word the index does not know, if any is close."""
        if word.isascii() and word.isalpha():
            switched = word.translate(_LAYOUT)
            if self._known(text.term(switched)):
                return switched
        if len(word) < MIN_FUZZY_LENGTH or not any(c.isalpha() for c in word):
            return None
        if text.is_dictionary_word(word):
            return None  # a real word no article uses: «покрывает» must not become «открывает»
        cutoff = 75 if len(word) <= 5 else 78
        best = process.extractOne(
            word, self._candidates(len(word)), scorer=fuzz.ratio, score_cutoff=cutoff
        )
        return best[0] if best else None

    def _switch_layout(self, typed: list[str], query: str) -> list[str]:
        """The query re-read as Cyrillic when it was typed with the Latin layout on and the
        Cyrillic reading knows more words («,jkmybxysq» → «больничный»)."""
        if not query.isascii():
            return typed
        switched = text.words(query.lower().translate(_LAYOUT))

        def known(words: list[str]) -> int:
            return sum(self._known(text.term(w)) for w in words)

        return switched if known(switched) > known(typed) else typed

    def _sequence(self, query: str, parsed: Query) -> list[str]:
        """The query's terms in order: stop words dropped, typos corrected where possible."""
        head = query[: MAX_QUERY_WORDS * 40]
        typed = text.words(head)[:MAX_QUERY_WORDS]
        if typed:
            typed = self._switch_layout(typed, head)
        sequence = []
        for word in typed:
            term_, stop = text.analyse(word)
            if stop:
                continue
            if not self._known(term_) and (
                len(term_) < PREFIX_LENGTH or not self._siblings.get(term_[:PREFIX_LENGTH])
            ):
                corrected = self._correct(word)
                if corrected is None:
                    continue
                parsed.corrections[word] = corrected
                term_ = self.surface.get(corrected) or text.term(corrected)
            sequence.append(term_)
        return sequence

    def _group_at(self, sequence: list[str], position: int) -> tuple[int, int] | None:
        """The synonym group whose longest phrase starts at `position`, and its length."""
        best: tuple[int, int] | None = None
        for phrase, number in self._phrases.get(sequence[position], ()):
            if tuple(sequence[position : position + len(phrase)]) == phrase and (
                best is None or len(phrase) > best[1]
            ):
                best = (number, len(phrase))
        return best

    def _with_siblings(self, alternatives: list[Alternative]) -> list[Alternative]:
        out = list(alternatives)
        present = {phrase for phrase, _w in alternatives}
        for phrase, weight in alternatives:
            if len(phrase) != 1 or len(phrase[0]) < PREFIX_LENGTH:
                continue
            siblings = self._siblings.get(phrase[0][:PREFIX_LENGTH], ())
            for sibling in islice((s for s in siblings if (s,) not in present), MAX_SIBLINGS):
                present.add((sibling,))
                out.append(((sibling,), weight * PREFIX_WEIGHT))
        return out

    def parse(self, query: str) -> Query:
        parsed = Query()
        sequence = self._sequence(query, parsed)
        position, seen = 0, set()
        while position < len(sequence):
            group = self._group_at(sequence, position)
            if group is None:
                key = sequence[position]
                alternatives = [((key,), 1.0)]
                position += 1
            else:
                key, length = group
                typed = tuple(sequence[position : position + length])
                alternatives = [
                    (p, 1.0 if p == typed else SYNONYM_WEIGHT) for p in self._groups[key]
                ]
                position += length
            if key not in seen:
                seen.add(key)
                parsed.concepts.append(self._with_siblings(alternatives))
        return parsed

    # -- ranking --------------------------------------------------------------------------

    def _walk(self, term_: str, weight: float):
        """(article, weighted score) for the head of a term's postings, best first."""
        ids, values = self.postings.get(term_, ((), ()))
        head = MAX_POSTINGS if weight > PREFIX_WEIGHT else MAX_DISCOUNTED_POSTINGS
        return zip(ids[:head], [weight * v for v in values[:head]], strict=True)

    def scores(self, parsed: Query) -> dict[int, float]:
        """Each concept adds its best alternative's score to an article's total."""
        totals: dict[int, float] = {}
        total = totals.get
        for concept in parsed.concepts:
            if len(concept) == 1 and len(concept[0][0]) == 1:
                for number, value in self._walk(concept[0][0][0], concept[0][1]):
                    totals[number] = total(number, 0.0) + value
                continue
            best: dict[int, float] = {}
            current = best.get
            for phrase, weight in concept:
                if len(phrase) == 1:
                    pairs = self._walk(phrase[0], weight)
                else:  # a phrase scores the mean of its words
                    found: dict[int, float] = defaultdict(float)
                    for term_ in phrase:
                        for number, value in self._walk(term_, weight / len(phrase)):
                            found[number] += value
                    pairs = found.items()
                for number, value in pairs:
                    if value > current(number, 0.0):
                        best[number] = value
            for number, value in best.items():
                totals[number] = total(number, 0.0) + value
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
        parsed, best = self.ranking(query, line=line, limit=limit, on=on)
        return self.hits(parsed, best) if parsed is not None else []

    def ranking(
        self,
        query: str,
        *,
        line: str | frozenset[str] | None = None,
        limit: int = 10,
        on: date | None = None,
    ) -> tuple[Query | None, list[tuple[int, float]]]:
        """What the query became, and the `limit` best (article number, score) pairs that
        pass the filters; (None, []) for a query that names nothing. A second ranking (the
        optional meaning layer) is fused with this one before hits are cut."""
        if not isinstance(query, str) or limit <= 0:
            return None, []
        parsed = self.parse(query)
        if not parsed.concepts:
            return None, []
        return parsed, self._best(self.scores(parsed), line=line, on=on, limit=limit)

    def hits(self, parsed: Query | None, pairs: Iterable[tuple[int, float]]) -> list[Hit]:
        """Results for (article number, score) pairs: snippets cut on the query's words."""
        documents = self.documents
        terms = parsed.terms if parsed is not None else set()
        marked = {w for t in terms for w in self.forms.get(t, ())}
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
            for number, score in pairs
            for doc in (documents[number],)
        ]

    def _best(
        self, totals: dict[int, float], *, line, on: date | None, limit: int
    ) -> list[tuple[int, float]]:
        """The `limit` best (article, score) pairs that pass the filters. The filters are
        checked on a head of the ranking first: checking every candidate costs more than
        the ranking itself on a large corpus."""
        documents = self.documents

        def passes(pair: tuple[int, float]) -> bool:
            doc = documents[pair[0]]
            return doc.serves(line) and doc.valid_on(on)

        order = itemgetter(1)
        head = heapq.nlargest(limit * 8, totals.items(), key=order)
        kept = [pair for pair in head if passes(pair)]
        if len(kept) < limit and len(head) < len(totals):
            kept = [pair for pair in totals.items() if passes(pair)]
        # Ties go to the article indexed first, so the order never depends on dict order.
        return sorted(kept, key=lambda pair: (-pair[1], pair[0]))[:limit]

    @property
    def size(self) -> int:
        return len(self.documents)

    @cached_property
    def numbers(self) -> dict[str, int]:
        """Article id → its number in this index."""
        return {doc.id: number for number, doc in enumerate(self.documents)}
