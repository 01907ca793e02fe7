"""Snippets: the passage of an article that best matches a query, HTML-escaped, with the
matching words wrapped in <mark>. Pure: text in, safe HTML out.

`marked` is the set of folded words to highlight (the engine knows which words of its
vocabulary carry the query's terms), so that cutting a snippet is set arithmetic, not
morphology. Passages are the article's lines (its bullets), then the sentences of a long
line split by a regular expression: snippets are cut for every result on every keystroke,
where razdel's sentenizer would cost milliseconds per article.
"""

from __future__ import annotations

import re
from html import escape

from vmeste.knowledge.search import text

SNIPPET_LENGTH = 220
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_MARKUP = re.compile(r"\*\*|__|`|^\s*(?:[-*+]|\d+[.)]|#+)\s+", re.MULTILINE)


def highlight(value: str, marked: set[str]) -> str:
    """The escaped text with every word in `marked` (folded) inside <mark>."""
    out: list[str] = []
    position = 0
    for start, end, word in text.word_spans(value):
        if word in marked:
            out.append(escape(value[position:start]))
            out.append(f"<mark>{escape(value[start:end])}</mark>")
            position = end
    out.append(escape(value[position:]))
    return "".join(out)


def _trim(passage: str, marked: set[str]) -> str:
    if len(passage) <= SNIPPET_LENGTH:
        return passage
    first = next((s for s, _e, w in text.word_spans(passage) if w in marked), 0)
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


def _best(passages: list[str], marked: set[str]) -> str:
    """The passage naming most distinct marked words; the first non-empty one if none."""
    best, best_count = "", 0
    for passage in passages:
        if not best and passage.strip():
            best = passage
        count = len(marked.intersection(text.words(passage)))
        if count > best_count:
            best, best_count = passage, count
    return best


def snippet(body: str, marked: set[str]) -> str:
    """The line (or, in a long line, the sentence) of the body that names most of the
    marked words, trimmed around the first of them, escaped and highlighted."""
    passage = _best(body.split("\n"), marked)
    if len(passage) > SNIPPET_LENGTH:
        passage = _best(_SENTENCE.split(passage), marked)
    passage = _MARKUP.sub("", passage).strip()
    return highlight(_trim(passage, marked), marked) if passage else ""
