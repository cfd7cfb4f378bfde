"""The embedded library's row writes, run inside a transaction ``SqliteStore`` has opened: a
document with its chunks and sentence vectors in, or a document's rows out (the FTS5 triggers
and ON DELETE CASCADE keep the keyword index and sentence vectors in step); and a document's
chunks read back for ``export``."""

from __future__ import annotations

import sqlite3

import numpy as np

from core.store import rules
from core.store.records import Chunk, DocumentRecord, NewDocument
from core.store.scope import Scope
from core.store.sentence_vectors import sentence_matrix, sentence_rows


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


def record_model_name(conn: sqlite3.Connection, embedding_model: str) -> None:
    """A library whose first documents wait for their vectors is already that model's: a later
    upload embedded with another one is refused (``check_embedding_model``) as it would be after."""
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('embedding_model', ?)", (embedding_model,))


def pending(conn: sqlite3.Connection, missing: set[int]) -> dict[str, tuple[int, int]]:
    """Per document with chunks in ``missing`` (no vector yet): (those chunks, all its chunks)."""
    counts: dict[str, list[int]] = {}
    for chunk_id, sha in conn.execute("SELECT c.id, d.sha256 FROM chunks c JOIN documents d ON d.id = c.document_id"):
        count = counts.setdefault(sha, [0, 0])
        count[0] += chunk_id in missing
        count[1] += 1
    return {sha: (missing, total) for sha, (missing, total) in counts.items() if missing}


def document_chunks(conn: sqlite3.Connection, sha256: str) -> list[tuple[int, Chunk]]:
    """A document's chunks with their ids, in reading order."""
    rows = conn.execute("SELECT c.id, c.text, c.page, c.ordinal, c.heading FROM chunks c "
                        "JOIN documents d ON d.id = c.document_id WHERE d.sha256 = ? ORDER BY c.ordinal, c.id",
                        (sha256,)).fetchall()
    return [(r[0], Chunk(r[1], r[2], r[3], r[4])) for r in rows]


def sentence_blobs(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[int, bytes]]:
    """(chunk id, stored sentence vectors) of those of ``ids`` that have them."""
    return conn.execute(f"SELECT chunk_id, vectors FROM chunk_sentences WHERE chunk_id IN ({','.join('?' * len(ids))})",
                        [int(i) for i in ids]).fetchall() if ids else []


def sentence_vectors(conn: sqlite3.Connection, ids: list[int], dimension: int) -> list[np.ndarray | None]:
    """The sentence vectors of the chunks ``ids``, in their order (None for a one-piece chunk)."""
    found = dict(sentence_blobs(conn, ids))
    return [sentence_matrix(found.get(i), dimension) for i in ids]


def text_bytes(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """(documents, chunks, bytes of chunk text and headings in UTF-8)."""
    return conn.execute("SELECT (SELECT count(*) FROM documents), count(*), COALESCE(SUM(LENGTH(CAST(text AS BLOB)) "
                        "+ COALESCE(LENGTH(CAST(heading AS BLOB)), 0)), 0) FROM chunks").fetchone()


# In DocumentRecord's field order.
_DOCUMENT_COLUMNS = "name, sha256, type, pages, chunks, size, added, note, collection"


def documents(conn: sqlite3.Connection, where: str, params: list[str]) -> list[DocumentRecord]:
    """The documents a WHERE (and ORDER BY) clause over ``documents d`` selects."""
    return [DocumentRecord(*row) for row in
            conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents d {where}", params).fetchall()]


def in_scope(scope: Scope | None) -> tuple[str, list[str]]:
    """A WHERE clause over ``documents d`` for a scope ("": every document)."""
    return rules.scope_clause(scope, "WHERE", lambda column, values: (f"{column} IN ({','.join('?' * len(values))})",
                                                                      list(values)))


def chunk_ids(conn: sqlite3.Connection, scope: Scope | None) -> list[int] | None:
    """The chunk ids a scope allows, for FAISS's id selector; None when it leaves nothing out."""
    where, params = in_scope(scope)
    if not where:
        return None
    return [r[0] for r in conn.execute(f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id {where}",
                                       params)]
