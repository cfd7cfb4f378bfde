"""Which words of an any-word keyword query to leave out because they are in most chunks of the
library ("the", "of", "der", "what"): the rule of decision 006, once for both stores.

BM25 gives such a word almost no weight, yet an any-word query makes every chunk holding it a
candidate to score: at 100k chunks that was 149 ms of a 183 ms search (docs/BENCHMARKS.md §10).
Each store counts from its own index (``core.store.common_terms`` for FTS5, PostgreSQL's column
statistics in ``core.store.postgres``); this module decides with those counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from core.store.keyword_query import KeywordQuery, Term

SHARE = 0.12  # a word in more than this share of the chunks is left out (decision 006)
MIN_CHUNKS = 1000  # below this every query is fast: leave it as asked
REFRESH_SECONDS = 30.0  # how long a store may reuse its counts (the library grows meanwhile)


def leave_out(query: KeywordQuery, chunks: int, shares: Callable[[Sequence[Term]], list[float | None]],
              share: float = SHARE, min_chunks: int = MIN_CHUNKS) -> KeywordQuery:
    """``query`` without the words found in more than ``share`` of the ``chunks``. ``shares``
    gives each word's share of the chunks, None for a word the index splits into a phrase
    ("28.4": rarer than its parts, so it stays). As asked when it is an all-words query, the
    library is small, or every word is common; prefix terms (Korean) always stay."""
    if query.every_word or not query.words or chunks < min_chunks:
        return query
    found = shares(query.words)
    kept = tuple(t for t, s in zip(query.words, found, strict=True) if t.prefix or s is None or s <= share)
    if not kept or len(kept) == len(query.words):
        return query
    return replace(query, words=kept)
