"""What the engine indexes and answers: plain data, no behaviour beyond two filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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
    """What a query became: concepts (each scored by its best alternative) and corrections.

    A concept is one query word with the words of its root, or a synonym group the query
    named: an article that says «больничный» and one that says «листок нетрудоспособности»
    answer the same concept, and neither should score twice for naming both.
    """

    concepts: list[list[Alternative]] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)  # typed word → vocabulary word

    @property
    def terms(self) -> set[str]:
        return {t for concept in self.concepts for phrase, _w in concept for t in phrase}
