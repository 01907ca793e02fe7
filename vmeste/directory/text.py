"""Text filters for the directory: every word of the query, in any of its forms, in any case.

Operators type «продукты» and the service says «доставка продуктов»: each word is cut to its
stem (the Snowball stemmer for Russian, PyStemmer), and a row matches when every word's stem
is in one of the fields. Case is folded by trying the spellings people type (lower case,
capitalised, upper case): SQLite's LIKE folds ASCII only, PostgreSQL's ILIKE needs only one.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from django.db.models import Q

_WORD = re.compile(r"[\w-]+", re.UNICODE)
# Shorter stems match too much («до» of «доставка» would find «дом»): such words stay whole.
MIN_STEM = 4


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("russian")


def stems(text: str) -> list[str]:
    """The query's words cut to their stems: «Продукты для пожилых» → продукт, для, пожил."""
    found = []
    for word in _WORD.findall(text.lower()):
        stem = _stemmer().stemWord(word) if re.search("[а-яё]", word) else word
        found.append(stem if len(stem) >= MIN_STEM else word)
    return list(dict.fromkeys(found))


def text_q(text: str, *fields: str) -> Q:
    """Every word of `text`, in any of its forms and cases, in one of `fields`."""
    condition = Q()
    for stem in stems(text):
        variants = {stem, stem.capitalize(), stem.upper()}
        word = Q()
        for field in fields:
            for variant in variants:
                word |= Q(**{f"{field}__icontains": variant})
        condition &= word
    return condition
