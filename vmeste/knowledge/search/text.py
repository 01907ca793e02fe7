"""Russian text to search terms: tokens, ё = е, lower case, lemma (pymorphy3), then stem.

Pure: no Django, no I/O beyond loading the morphology dictionaries once per process.

Tokens come from one regular expression rather than razdel's tokenizer, for a measured reason:
razdel tokenizes about 1 MB/s on our machine, which alone would spend ~20 s of the 30 s
budget on a 10,000-article corpus; the expression below gives the same words for the kind
of text articles hold (words, hyphenated words such as «qr-код», numbers). razdel still
splits articles into sentences for snippets (see snippets.py), where the text is small.

A term is the PyStemmer stem of the pymorphy3 lemma: the lemma joins the word forms
(«больничного» → «больничный»), the stem then joins a noun and its adjective
(«инвалидность», «инвалидный» → «инвалидн»).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import pymorphy3
import Stemmer

# A word: letters/digits, optionally joined by hyphens («qr-код», «кто-то», «covid-19»).
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")

# Words so common in questions and articles that they only add noise to the ranking.
STOP_WORDS = frozenset(
    (
     "а", "без", "бы", "в", "во", "вот", "все", "всё", "вы", "да", "для", "до", "его", "ее",
     "её", "если", "есть", "же", "за", "и", "из", "или", "им", "их", "к", "как", "ко", "когда",
     "кто", "ли", "либо", "мне", "мой", "мы", "на", "над", "не", "него", "нее", "неё", "нет",
     "ни", "но", "ну", "о", "об", "однако", "он", "она", "они", "оно", "от", "по", "под", "при",
     "про", "с", "со", "так", "также", "там", "то", "тоже", "только", "ты", "у", "уже", "чем",
     "что", "чтобы", "эта", "эти", "это", "этот", "я", "ещё", "еще", "можно", "нужно", "надо",
     "какой", "какая", "какие", "где", "куда", "сколько", "зачем", "почему", "мочь", "быть",
     "который", "свой", "весь", "себя", "такой", "таков", "сам", "самый", "наш", "ваш",
    )
)  # fmt: skip

_morph: pymorphy3.MorphAnalyzer | None = None
_stemmer_ru = Stemmer.Stemmer("russian")
_stemmer_en = Stemmer.Stemmer("english")
_CYRILLIC = re.compile(r"[а-я]")


def _analyzer() -> pymorphy3.MorphAnalyzer:
    global _morph
    if _morph is None:
        _morph = pymorphy3.MorphAnalyzer()
    return _morph


def fold(text: str) -> str:
    """Lower case and ё → е: the form every comparison uses."""
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return WORD.findall(fold(text))


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, folded word) for each word of the original text, for highlighting."""
    folded = fold(text)  # same length as text: lower() and ё→е keep offsets for Cyrillic
    if len(folded) != len(text):
        folded = text.lower()
    for match in WORD.finditer(folded):
        yield match.start(), match.end(), match.group().replace("ё", "е")


@lru_cache(maxsize=300_000)
def analyse(word: str) -> tuple[str, bool]:
    """(term, is a stop word) of one folded word, cached: vocabularies repeat.

    Only words the dictionary knows are lemmatised; a word it does not know (a typo, a name,
    a drug) is stemmed as written, since pymorphy3's guesser is slow and guesses badly there.
    """
    if word in STOP_WORDS:
        return word, True
    if _CYRILLIC.search(word):
        morph = _analyzer()
        if not morph.word_is_known(word):
            return _stemmer_ru.stemWord(word), False
        lemma = morph.parse(word)[0].normal_form.replace("ё", "е")
        return _stemmer_ru.stemWord(lemma), lemma in STOP_WORDS
    if word.isascii() and word.isalpha():
        return _stemmer_en.stemWord(word), False
    return word, False


def term(word: str) -> str:
    return analyse(word)[0]


def is_stop(word: str) -> bool:
    return analyse(word)[1]


@lru_cache(maxsize=50_000)
def is_dictionary_word(word: str) -> bool:
    """Whether the word is Russian as written (so not a typo, even if no article uses it)."""
    return bool(_CYRILLIC.search(word)) and _analyzer().word_is_known(word)


def terms(text: str, *, keep_stop: bool = False) -> list[str]:
    """The terms of a text, in order; hyphenated words also give their parts."""
    out: list[str] = []
    for word in words(text):
        if not keep_stop and is_stop(word):
            continue
        out.append(term(word))
        if "-" in word:
            out.extend(term(part) for part in word.split("-") if part and not is_stop(part))
    return out
