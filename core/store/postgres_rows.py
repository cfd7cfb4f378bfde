"""The rows a PostgreSQL library writes for a document, its vectors and the model they come from: the
writing half of ``core.store.postgres`` (as ``core.store.rows`` is SQLite's), called inside its locked
transactions."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import numpy as np

from core.store import rules
from core.store.records import DocumentRecord, NewDocument
from core.store.sentence_vectors import sentence_rows

if TYPE_CHECKING:
    import psycopg

Row = TypeVar("Row")


def one_row(cursor: psycopg.Cursor[Row]) -> Row:
    """The row of a query that always returns one (an aggregate, ``INSERT ... RETURNING``, a catalog
    row the schema guarantees)."""
    row = cursor.fetchone()
    assert row is not None, "the query returned no row"
    return row


def check_model(conn: psycopg.Connection, name: str) -> None:
    row = conn.execute("SELECT value FROM docchat.meta WHERE key = 'embedding_model'").fetchone()
    rules.check_model(row[0] if row else None, name,
                      conn.execute("SELECT 1 FROM docchat.chunks LIMIT 1").fetchone() is not None)


def record_model(conn: psycopg.Connection, embedding_model: str, dimension: int) -> None:
    """The model and dimension the library's vectors now have, in the transaction that wrote them."""
    conn.execute("INSERT INTO docchat.meta (key, value) VALUES ('embedding_model', %s), ('dimension', %s) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (embedding_model, str(dimension)))


def record_model_name(conn: psycopg.Connection, embedding_model: str) -> None:
    """A library whose first documents wait for their vectors is already that model's (as SQLite's
    ``rows.record_model_name``): a later upload embedded with another one is refused."""
    conn.execute("INSERT INTO docchat.meta (key, value) VALUES ('embedding_model', %s) ON CONFLICT (key) DO NOTHING",
                 (embedding_model,))


def set_vectors(conn: psycopg.Connection, ids: list[int], vectors: np.ndarray) -> None:
    """Each chunk of ``ids`` gets its row of ``vectors``: one COPY into a temporary table and one UPDATE."""
    conn.execute("CREATE TEMPORARY TABLE new_vectors (id bigint, embedding vector) ON COMMIT DROP")
    with conn.cursor().copy("COPY new_vectors (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "vector"])
        for i, vector in zip(ids, np.asarray(vectors, dtype="float32"), strict=True):
            copy.write_row([i, vector])
    conn.execute("UPDATE docchat.chunks c SET embedding = n.embedding FROM new_vectors n WHERE c.id = n.id")


def set_dimension(conn: psycopg.Connection, dimension: int) -> None:
    """Give the vector column its dimension and build the HNSW index (inner product), once: at the
    first document, or after a re-index with a model of another size."""
    from psycopg import sql

    typmod = one_row(conn.execute("SELECT atttypmod FROM pg_attribute WHERE attrelid = 'docchat.chunks'::regclass "
                                  "AND attname = 'embedding'"))[0]
    if typmod == dimension:
        return
    conn.execute("DROP INDEX IF EXISTS docchat.chunks_embedding")
    conn.execute(sql.SQL("ALTER TABLE docchat.chunks ALTER COLUMN embedding TYPE vector({})")
                 .format(sql.Literal(int(dimension))))
    conn.execute("CREATE INDEX chunks_embedding ON docchat.chunks USING hnsw (embedding vector_ip_ops)")


def insert(conn: psycopg.Connection, doc: NewDocument, added: str) -> DocumentRecord:
    document_id = one_row(conn.execute(
        "INSERT INTO docchat.documents (sha256, name, type, pages, chunks, size, added, note, collection) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (doc.sha256, doc.name, doc.kind, doc.pages, len(doc.chunks), len(doc.original), added, doc.note,
         doc.collection),
    ))[0]
    conn.execute("INSERT INTO docchat.originals (document_id, data) VALUES (%s, %s)", (document_id, doc.original))
    vectors = [None] * len(doc.chunks) if doc.vectors is None else np.asarray(doc.vectors, dtype="float32")
    with conn.cursor().copy("COPY docchat.chunks (document_id, ordinal, page, text, heading, embedding) "
                            "FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "int4", "int4", "text", "text", "vector"])
        for chunk, vector in zip(doc.chunks, vectors, strict=True):  # None: keyword-first, embedded later
            copy.write_row([document_id, chunk.ordinal, chunk.page, chunk.text, chunk.heading, vector])
    if doc.sentence_vectors is not None:
        rows = conn.execute("SELECT ordinal, id FROM docchat.chunks WHERE document_id = %s", (document_id,)).fetchall()
        by_ordinal: dict[int, int] = dict(rows)
        insert_sentences(conn, [by_ordinal[c.ordinal] for c in doc.chunks], doc.sentence_vectors)
    return rules.record(doc, added)


def insert_sentences(conn: psycopg.Connection, ids: list[int], sentences: list[np.ndarray | None] | None) -> None:
    if sentences is None:
        return
    with conn.cursor().copy("COPY docchat.chunk_sentences (chunk_id, vectors) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "bytea"])
        for row in sentence_rows(ids, sentences):
            copy.write_row(row)
