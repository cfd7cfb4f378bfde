"""The embedded library's keyword leg: BM25 over its two FTS5 indexes (words and trigrams)."""

from __future__ import annotations

import sqlite3


def keyword_scores(conn: sqlite3.Connection, words: str | None, trigrams: str | None, k: int,
                   where: str | None, params: list[str]) -> list[tuple[int, float]]:
    """(chunk id, score) of the ``k`` best chunks; a chunk found by both indexes has its two scores
    added. ``where``: a WHERE clause over ``documents d`` that limits the chunks (collections)."""
    scores: dict[int, float] = {}
    only = (f"AND rowid IN (SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id {where})"
            if where is not None else "")
    for table, query in (("chunks_fts", words), ("chunks_trigram", trigrams)):
        if not query:
            continue
        rows = conn.execute(
            f"SELECT rowid, -bm25({table}, 2.0, 1.0) FROM {table} WHERE {table} MATCH ? {only} "
            f"ORDER BY bm25({table}, 2.0, 1.0) LIMIT ?",
            (query, *(params if where is not None else []), k),
        ).fetchall()
        for chunk_id, score in rows:
            scores[chunk_id] = scores.get(chunk_id, 0.0) + score
    return sorted(scores.items(), key=lambda item: -item[1])[:k]
