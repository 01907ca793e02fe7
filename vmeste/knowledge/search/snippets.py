"""Snippets: the passage of an article that best matches a query, HTML-escaped, with the
matching words wrapped in <mark>. Pure: text in, safe HTML out.

Passages are the article's lines and sentences split by a regular expression: articles are
short bullet lines, and snippets are cut for up to fifty results on every keystroke, where
razdel's sentenizer would cost milliseconds per article.
"""

from __future__ import annotations

import re
from html import escape

from vmeste.knowledge.search import text

SNIPPET_LENGTH = 220
_PASSAGE = re.compile(r"\n+|(?<=[.!?…])\s+")
_MARKUP = re.compile(r"\*\*|__|`|^\s*(?:[-*+]|\d+[.)]|#+)\s+", re.MULTILINE)


def _matches(word: str, marked: set[str]) -> bool:
    if text.term(word) in marked:
        return True
    return "-" in word and any(text.term(part) in marked for part in word.split("-") if part)


def highlight(value: str, marked: set[str]) -> str:
    """The escaped text with every word whose term is in `marked` inside <mark>."""
    out: list[str] = []
    position = 0
    for start, end, word in text.word_spans(value):
        if _matches(word, marked):
            out.append(escape(value[position:start]))
            out.append(f"<mark>{escape(value[start:end])}</mark>")
            position = end
    out.append(escape(value[position:]))
    return "".join(out)


def _passages(body: str) -> list[str]:
    plain = _MARKUP.sub("", body)
    return [p.strip() for p in _PASSAGE.split(plain) if p and p.strip()]


def _trim(passage: str, marked: set[str]) -> str:
    if len(passage) <= SNIPPET_LENGTH:
        return passage
    first = next((s for s, _e, w in text.word_spans(passage) if _matches(w, marked)), 0)
    start = max(0, min(first - SNIPPET_LENGTH // 3, len(passage) - SNIPPET_LENGTH))
    # Cut on word boundaries so that no half-word is shown or highlighted.
    if start:
        space = passage.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = start + SNIPPET_LENGTH
    if end < len(passage):
        space = passage.rfind(" ", start, end)
        end = space if space > start else end
    return ("… " if start else "") + passage[start:end] + (" …" if end < len(passage) else "")


def snippet(body: str, marked: set[str]) -> str:
    passages = _passages(body)
    if not passages:
        return ""
    best, best_score = passages[0], -1
    for passage in passages:
        found = {text.term(w) for w in text.words(passage)} & marked
        if len(found) > best_score:
            best, best_score = passage, len(found)
    return highlight(_trim(best, marked), marked)
