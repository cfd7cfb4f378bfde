"""Turn a question into the keyword query the stores answer (``core.store.keyword_query``).

The store's engine does the ranking (BM25); this only decides which index each word goes to,
so user text is only ever data. Words in scripts without spaces or with attached particles
(Korean, Chinese, Japanese) are searched by character trigrams, plus their first two characters
as a word prefix ("서울*" finds 서울에서 and 서울은).
"""

from __future__ import annotations

import re

from core.store.keyword_query import KeywordQuery, Term
from core.store.records import Hit

# A word, with inner dots, commas, colons, slashes, hyphens and apostrophes kept: "28.4",
# "1,000", "§ 1326" -> "1326", "e-mail", "WMT 2014" -> two words.
_TERM = re.compile(r"\w+(?:[.,:/'’-]\w+)*")
_CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
# A text whose letters are at least this share CJK is searched by trigrams; set on the mixed eval, where a
# question's script alone sorts its language (BENCHMARKS §29).
TRIGRAM_SCRIPT_SHARE = 0.3
# At most this many terms per index: a question's first 64 words, and its first 64 distinct
# trigrams (one long Korean run would otherwise give one per character: thousands of FTS5 terms,
# and more bind parameters than PostgreSQL takes in one statement).
MAX_TERMS = 64


def only_codes(question: str) -> bool:
    """Whether every word of the question holds a digit ("84,012", "§ 1326", "28.4"): numbers and
    codes that an embedding cannot tell apart, so the keyword leg should decide."""
    terms = _TERM.findall(question)
    return bool(terms) and all(any(ch.isdigit() for ch in term) for term in terms)


def trigram_script(text: str) -> bool | None:
    """Whether ``text`` is written mostly in a script without spaces (Korean, Chinese, Japanese), whose words
    the keyword leg searches by trigrams; None when it has no letters (numbers, codes: any script's)."""
    letters = len(_LETTER.findall(text))
    return len(_CJK.findall(text)) / letters >= TRIGRAM_SCRIPT_SHARE if letters else None


def out_of_reach(question: str, hits: list[Hit]) -> frozenset[int]:
    """The hits written in another script than the question: its words meet them only in a shared name or
    number, so their absence from the keyword leg says nothing about their meaning (``fusion.convex``)."""
    asked = trigram_script(question)
    if asked is None:
        return frozenset()
    return frozenset(h.chunk_id for h in hits if trigram_script(h.text) not in (asked, None))


def build_query(question: str, every_word: bool = False) -> KeywordQuery:
    """Any word matches (BM25 ranks by how many and how rare), or with ``every_word`` all must."""
    words: dict[Term, None] = {}
    grams: dict[Term, None] = {}
    for term in _TERM.findall(question)[:MAX_TERMS]:
        term = term.replace('"', "")
        if _CJK.search(term):
            if len(term) >= 2:
                words[Term(term[:2], prefix=True)] = None
            for i in range(len(term) - 2):
                if len(grams) >= MAX_TERMS:
                    break
                grams[Term(term[i : i + 3])] = None
        elif len(term) > 1 or term.isdigit():
            words[Term(term.lower())] = None
    return KeywordQuery(tuple(words), tuple(grams), every_word)
