"""Turn a question into FTS5 MATCH expressions for the library's two full-text indexes.

FTS5 does the ranking (BM25); this only decides which index each word goes to and quotes it,
so user text can never be read as FTS5 syntax. Words in scripts without spaces or with
attached particles (Korean, Chinese, Japanese) are searched by character trigrams, plus their
first two characters as a word prefix ("서울*" finds 서울에서 and 서울은).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A word, with inner dots, commas, colons, slashes, hyphens and apostrophes kept: "28.4",
# "1,000", "§ 1326" -> "1326", "e-mail", "WMT 2014" -> two words.
_TERM = re.compile(r"\w+(?:[.,:/'’-]\w+)*")
_CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_QUOTED = re.compile(r'"([^"]+)"(\*?)')
# At most this many terms per index: a question's first 64 words, and its first 64 distinct
# trigrams (one long Korean run would otherwise give one per character: thousands of FTS5 terms,
# and more bind parameters than PostgreSQL takes in one statement).
MAX_TERMS = 64


@dataclass(frozen=True)
class KeywordQuery:
    words: str | None  # for chunks_fts (Porter, unicode61)
    trigrams: str | None  # for chunks_trigram

    def __bool__(self) -> bool:
        return bool(self.words or self.trigrams)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', "") + '"'


def quoted_terms(expression: str | None) -> list[tuple[str, bool]]:
    """The words of an expression ``build_query`` made, each with whether it is a prefix: the
    stores read it back to adapt the query to what they hold."""
    return [(t, bool(star)) for t, star in _QUOTED.findall(expression or "")]


def all_words(expression: str | None) -> bool:
    """Whether ``expression`` asks for every word (``build_query(..., every_word=True)``)."""
    return bool(expression) and " AND " in expression


def any_word(terms: list[tuple[str, bool]]) -> str:
    """The any-word expression of terms as ``quoted_terms`` reads them back."""
    return " OR ".join(_quoted(t) + ("*" if prefix else "") for t, prefix in terms)


def only_codes(question: str) -> bool:
    """Whether every word of the question holds a digit ("84,012", "§ 1326", "28.4"): numbers and
    codes that an embedding cannot tell apart, so the keyword leg should decide."""
    terms = _TERM.findall(question)
    return bool(terms) and all(any(ch.isdigit() for ch in term) for term in terms)


def build_query(question: str, every_word: bool = False) -> KeywordQuery:
    """Any word matches (BM25 ranks by how many and how rare), or with ``every_word`` all must."""
    words: dict[str, None] = {}
    grams: dict[str, None] = {}
    for term in _TERM.findall(question)[:MAX_TERMS]:
        if _CJK.search(term):
            if len(term) >= 2:
                words[_quoted(term[:2]) + "*"] = None
            for i in range(len(term) - 2):
                if len(grams) >= MAX_TERMS:
                    break
                grams[_quoted(term[i : i + 3])] = None
        elif len(term) > 1 or term.isdigit():
            words[_quoted(term.lower())] = None
    joiner = " AND " if every_word else " OR "
    return KeywordQuery(joiner.join(words) or None, joiner.join(grams) or None)
