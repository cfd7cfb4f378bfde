"""How many chunks of the embedded library hold each question word, for the rule of decision 006
(``core.store.common_words``).

Counting comes from the library's own FTS5 index (``chunks_fts_vocab``), so it works for any
language and follows the library as it grows; the word is reduced to its index term by FTS5's
own tokenizer (Porter, accents folded), so "was" is looked up as the term the index holds ("wa").
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

from cachetools import TTLCache

from core.store import common_words
from core.store.keyword_query import KeywordQuery, Term

TOKENIZE = "porter unicode61 remove_diacritics 2"  # chunks_fts's tokenizer (keyword_schema.sql)


class CommonTerms:
    """One per library: an in-memory FTS5 table turns question words into index terms, and the
    library's ``chunks_fts_vocab`` says in how many chunks each term is. The chunk count is read
    again after ``REFRESH_SECONDS``; term counts are dropped when it has moved."""

    def __init__(self, share: float = common_words.SHARE, min_chunks: int = common_words.MIN_CHUNKS) -> None:
        self.share, self.min_chunks = share, min_chunks
        self._lock = threading.Lock()
        self._tokenizer = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._tokenizer.execute(f"CREATE VIRTUAL TABLE q USING fts5(t, tokenize='{TOKENIZE}')")
        self._tokenizer.execute("CREATE VIRTUAL TABLE qv USING fts5vocab(q, instance)")
        self._count: TTLCache[str, int] = TTLCache(maxsize=1, ttl=common_words.REFRESH_SECONDS)
        self._chunks = -1
        self._docs: dict[str, int] = {}

    def leave_out(self, conn: sqlite3.Connection, query: KeywordQuery) -> KeywordQuery:
        """``query`` without the words in more than ``share`` of this library's chunks."""
        if query.every_word or not query.words:
            return query
        chunks = self._chunk_count(conn)
        return common_words.leave_out(query, chunks, lambda terms: self._shares(conn, terms, chunks),
                                      self.share, self.min_chunks)

    def _shares(self, conn: sqlite3.Connection, terms: Sequence[Term], chunks: int) -> list[float | None]:
        stems = self._index_terms([t.text for t in terms])
        docs = self._doc_counts(conn, {s for s in stems.values() if s})
        return [docs.get(stem, 0) / chunks if (stem := stems.get(i)) else None for i in range(len(terms))]

    def _chunk_count(self, conn: sqlite3.Connection) -> int:
        with self._lock:
            if (chunks := self._count.get("chunks")) is None:
                chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
                self._count["chunks"] = chunks
                if chunks != self._chunks:
                    self._docs.clear()
                self._chunks = chunks
            return chunks

    def _index_terms(self, words: list[str]) -> dict[int, str | None]:
        """Word position -> its one index term; None when the word is a phrase of several terms
        ("28.4" is "28" then "4"): a phrase is rarer than its parts, so it always stays."""
        with self._lock:
            self._tokenizer.executemany("INSERT INTO q (rowid, t) VALUES (?, ?)", enumerate(words))
            rows = self._tokenizer.execute("SELECT doc, term FROM qv").fetchall()
            self._tokenizer.execute("DELETE FROM q")
        found: dict[int, list[str]] = {}
        for position, term in rows:
            found.setdefault(position, []).append(term)
        return {i: t[0] if len(t) == 1 else None for i, t in found.items()}

    def _doc_counts(self, conn: sqlite3.Connection, stems: set[str]) -> dict[str, int]:
        with self._lock:
            missing = [s for s in stems if s not in self._docs]
        if missing:
            marks = ",".join("?" * len(missing))
            counted = dict.fromkeys(missing, 0) | dict(conn.execute(
                f"SELECT term, doc FROM chunks_fts_vocab WHERE term IN ({marks})", missing).fetchall())
            with self._lock:
                self._docs.update(counted)
        with self._lock:
            return {s: self._docs.get(s, 0) for s in stems}
