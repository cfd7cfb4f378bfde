"""The keyword query a store is asked: terms, not one engine's query syntax.

``core.retrieval.keyword.build_query`` decides which words a question searches and in which
index (whole words, or character trigrams for Korean and other scripts without spaces); each
store renders the terms in its own engine (``core.store.fts`` for SQLite FTS5,
``core.store.postgres_keyword`` for PostgreSQL), binding each term as data, never as syntax.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False  # matches every index term that starts with ``text`` ("서울" finds 서울에서)


@dataclass(frozen=True)
class KeywordQuery:
    words: tuple[Term, ...] = ()  # for the word index (stemmed where the engine stems)
    trigrams: tuple[Term, ...] = ()  # for the substring index: three characters each
    every_word: bool = False  # every term must be in the passage; else any term, ranked by BM25

    def __bool__(self) -> bool:
        return bool(self.words or self.trigrams)
