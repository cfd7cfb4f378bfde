"""Which words of an any-word question to leave out of the FTS5 query because they are in most
chunks of this library ("the", "of", "der", "what").

BM25 gives such a word almost no weight (FTS5 floors the IDF of a word in over half the
chunks at 1e-6), yet an OR query makes every chunk holding it a candidate to score: at 100k
chunks that was 149 ms of a 183 ms search (docs/BENCHMARKS.md §10). Counting comes from the
library's own index, so it works for any language and follows the library as it grows; the
word is reduced to its index term by FTS5's own tokenizer (Porter, accents folded), so
"was" is looked up as the term the index holds ("wa").
"""

from __future__ import annotations

import sqlite3
import threading
import time

from core.retrieval.keyword import all_words, any_word, quoted_terms

SHARE = 0.12  # a word in more than this share of the chunks is left out (decision 006)
MIN_CHUNKS = 1000  # below this every query is fast: leave it as asked
REFRESH_SECONDS = 30.0
TOKENIZE = "porter unicode61 remove_diacritics 2"  # chunks_fts's tokenizer (keyword_schema.sql)


class CommonTerms:
    """One per library: an in-memory FTS5 table turns question words into index terms, and the
    library's ``chunks_fts_vocab`` says in how many chunks each term is. Counts are cached per
    term and dropped when the chunk count moves or after ``REFRESH_SECONDS``."""

    def __init__(self, share: float = SHARE, min_chunks: int = MIN_CHUNKS) -> None:
        self.share, self.min_chunks = share, min_chunks
        self._lock = threading.Lock()
        self._tokenizer = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._tokenizer.execute(f"CREATE VIRTUAL TABLE q USING fts5(t, tokenize='{TOKENIZE}')")
        self._tokenizer.execute("CREATE VIRTUAL TABLE qv USING fts5vocab(q, instance)")
        self._chunks = -1
        self._read_at = 0.0
        self._docs: dict[str, int] = {}

    def leave_out(self, conn: sqlite3.Connection, expression: str | None) -> str | None:
        """``expression`` (quoted words joined by OR) without its common words; as given when it is
        an all-words query, when the library is small, or when every word is common."""
        if not expression or all_words(expression):
            return expression
        chunks = self._chunk_count(conn)
        if chunks < self.min_chunks:
            return expression
        terms = quoted_terms(expression)
        stems = self._index_terms([t for t, prefix in terms])
        docs = self._doc_counts(conn, {s for s in stems.values() if s})
        kept = [(t, prefix) for i, (t, prefix) in enumerate(terms)
                if prefix or not stems.get(i) or docs.get(stems[i], 0) <= self.share * chunks]
        if not kept or len(kept) == len(terms):
            return expression
        return any_word(kept)

    def _chunk_count(self, conn: sqlite3.Connection) -> int:
        now = time.monotonic()
        if now - self._read_at > REFRESH_SECONDS:
            chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
            with self._lock:
                if chunks != self._chunks:
                    self._docs.clear()
                self._chunks, self._read_at = chunks, now
        return self._chunks

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
