"""The embedded library's keyword leg: BM25 over its two FTS5 indexes (words and trigrams)."""

from __future__ import annotations

import sqlite3

from core.store.keyword_query import KeywordQuery, Term
from core.store.rules import merge_scores


def expression(terms: tuple[Term, ...], every_word: bool) -> str | None:
    """An FTS5 MATCH expression: each term quoted (so no word is read as FTS5 syntax), a ``*``
    after a prefix, joined by AND or OR. None when there is no term."""
    joiner = " AND " if every_word else " OR "
    return joiner.join('"' + t.text.replace('"', "") + '"' + ("*" if t.prefix else "") for t in terms) or None


def keyword_scores(conn: sqlite3.Connection, query: KeywordQuery, k: int,
                   where: str | None, params: list[str]) -> list[tuple[int, float]]:
    """(chunk id, score) of the ``k`` best chunks; a chunk found by both indexes has its two scores
    added. ``where``: a WHERE clause over ``documents d`` that limits the chunks (a scope)."""
    only = (f"AND rowid IN (SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id {where})"
            if where is not None else "")
    legs = []
    for table, terms in (("chunks_fts", query.words), ("chunks_trigram", query.trigrams)):
        if not (match := expression(terms, query.every_word)):
            continue
        legs.append(conn.execute(
            f"SELECT rowid, -bm25({table}, 2.0, 1.0) FROM {table} WHERE {table} MATCH ? {only} "
            f"ORDER BY bm25({table}, 2.0, 1.0) LIMIT ?",
            (match, *(params if where is not None else []), k),
        ).fetchall())
    return merge_scores(legs, k)
