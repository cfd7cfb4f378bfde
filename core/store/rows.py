"""The embedded library's row writes, run inside a transaction ``Library`` has opened: a
document with its chunks and sentence vectors in, or a document's rows out. The FTS5 triggers
and ON DELETE CASCADE keep the keyword index and sentence vectors in step."""

from __future__ import annotations

import sqlite3

import numpy as np

from core.store.records import NewDocument
from core.store.sentence_vectors import sentence_rows


def insert_document(conn: sqlite3.Connection, doc: NewDocument, added: str, start: int) -> np.ndarray:
    cursor = conn.execute(
        "INSERT INTO documents (sha256, name, type, pages, chunks, size, added, note, collection) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (doc.sha256, doc.name, doc.kind, doc.pages, len(doc.chunks), len(doc.original), added, doc.note,
         doc.collection),
    )
    ids = np.arange(start, start + len(doc.chunks), dtype="int64")
    conn.executemany(
        "INSERT INTO chunks (id, document_id, ordinal, page, text, heading) VALUES (?, ?, ?, ?, ?, ?)",
        [(int(i), cursor.lastrowid, c.ordinal, c.page, c.text, c.heading)
         for i, c in zip(ids, doc.chunks, strict=True)],
    )
    insert_sentences(conn, ids, doc.sentence_vectors)
    return ids


def remove_rows(conn: sqlite3.Connection, sha256: str) -> list[int] | None:
    """Inside an open transaction: a document's rows out of SQLite; returns their chunk ids,
    whose vectors the caller drops after the commit (``_drop_vectors``). None: no such document."""
    ids = [r[0] for r in conn.execute(
        "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.sha256 = ?", (sha256,))]
    gone = conn.execute("DELETE FROM documents WHERE sha256 = ?", (sha256,)).rowcount
    return ids if gone else None


def insert_sentences(conn: sqlite3.Connection, ids: np.ndarray, sentences: list[np.ndarray | None] | None) -> None:
    if sentences is not None:
        conn.executemany("INSERT INTO chunk_sentences (chunk_id, vectors) VALUES (?, ?)", sentence_rows(ids, sentences))


def record_model(conn: sqlite3.Connection, embedding_model: str, dimension: int) -> None:
    """The model and dimension the library's vectors now have, in the transaction that wrote them."""
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('embedding_model', ?), ('dimension', ?)",
                 (embedding_model, str(dimension)))
