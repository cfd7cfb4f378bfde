"""The library in PostgreSQL with pgvector, for a team: several app instances share one library.

Everything lives in the database — documents, chunk text, vectors (HNSW index), the full-text
index and the uploaded files (bytea) — so any instance can answer from any document and serve its
download; no shared disk, no reload: a commit in one instance is visible to the next query of the
others. The default stays the embedded ``Library``; ``database_url`` picks this one.

psycopg 3 with pgvector's adapter, not langchain-postgres: the app needs its own tables
(documents with collections and notes, chunk ids that fusion and citations share), full-text search
next to vector search and a replace in one transaction; langchain-postgres' ``PGVector`` keeps one
JSON metadata column per embedding and has none of that, so it would add a layer and save no code.

Writes run in one transaction each, after a transaction-level advisory lock, so two instances never
interleave the model check and the insert (the embedded store's file lock, here in the database).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.store.library import LibraryMismatch
from core.store.postgres_keyword import TRIGRAM_INDEX, trigram_query, words_query
from core.store.records import DocumentRecord, Hit, NewDocument
from core.store.sentence_vectors import best_sentences, sentence_rows

if TYPE_CHECKING:
    import psycopg

SCHEMA = Path(__file__).with_name("postgres_schema.sql").read_text(encoding="utf-8")
WRITE_LOCK = 0x646F6363686174  # "docchat": the pg_advisory_xact_lock key every writer takes
_DOCUMENT = "d.name, d.sha256, d.type, d.pages, d.chunks, d.size, d.added, d.note, d.collection"
_HIT = "c.id, d.name, c.page, c.text, d.sha256, c.heading"
_FROM = "FROM docchat.chunks c JOIN docchat.documents d ON d.id = c.document_id"
# A word in more than this share of the chunks is left out of an any-word query. SQuAD keyword hit@1
# (2,000 questions): 0.10 -> 0.742 at 5.9 ms a question, 0.05 -> 0.738 at 4.5 ms, 0.02 -> 0.688.
COMMON = 0.05


class PostgresLibrary:
    def __init__(self, url: str, ef_search: int = 100, pool_size: int = 4) -> None:
        """``ef_search``: HNSW candidate list per query. pgvector's default of 40 gave recall@10
        0.953 against exact search at 10k MiniLM vectors, 100 gives 0.988 for 0.3 ms more (1.4 ms
        median on 2 cores), and keeps a 30-candidate hybrid search complete. Creates the extension and the tables on
        first use; the role needs the right to, or an administrator runs ``CREATE EXTENSION vector``."""
        import psycopg
        from psycopg_pool import ConnectionPool

        self.url = url
        self.ef_search = ef_search
        self._common: tuple[float, frozenset[str]] = (0.0, frozenset())
        with psycopg.connect(url) as conn:  # the type must exist before the pool's connections look it up
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            if not conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone():
                conn.execute("CREATE EXTENSION vector")
            conn.execute(SCHEMA)
            _try_trigram_index(conn)
            version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
        self.pgvector = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
        if self.pgvector < (0, 5):
            raise RuntimeError(f"pgvector {version} has no HNSW index; 0.5 or newer is needed")
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, configure=_configure,
                                    check=ConnectionPool.check_connection, open=True, name="docchat")

    def close(self) -> None:
        self._pool.close()

    def __repr__(self) -> str:  # never the URL: it may hold a password
        return "PostgresLibrary(...)"

    # -- connections -----------------------------------------------------------------------
    def _rows(self, query: str, params: Any = ()) -> list[tuple]:
        with self._pool.connection() as conn:
            return conn.execute(query, params).fetchall()

    @contextmanager
    def _write(self) -> Iterator[psycopg.Connection]:
        """One transaction, committed at the end (rolled back on any error), writers in turn."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield conn

    # -- reading ---------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM docchat.meta WHERE key = %s", (key,))
        return rows[0][0] if rows else None

    def documents(self, collections: list[str] | None = None) -> list[DocumentRecord]:
        where, params = _in_collections(collections, "WHERE")
        rows = self._rows(f"SELECT {_DOCUMENT} FROM docchat.documents d {where} ORDER BY d.added, d.id", params)
        return [DocumentRecord(*row) for row in rows]

    def collections(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT DISTINCT collection FROM docchat.documents ORDER BY collection")]

    def find(self, sha256: str) -> DocumentRecord | None:
        rows = self._rows(f"SELECT {_DOCUMENT} FROM docchat.documents d WHERE d.sha256 = %s", (sha256,))
        return DocumentRecord(*rows[0]) if rows else None

    def find_by_name(self, name: str) -> DocumentRecord | None:
        """The newest document with this file name (an upload with other bytes is a new version)."""
        rows = self._rows(f"SELECT {_DOCUMENT} FROM docchat.documents d WHERE d.name = %s ORDER BY d.id DESC LIMIT 1",
                          (name,))
        return DocumentRecord(*rows[0]) if rows else None

    def original(self, sha256: str) -> bytes | None:
        rows = self._rows("SELECT o.data FROM docchat.originals o JOIN docchat.documents d ON d.id = o.document_id "
                          "WHERE d.sha256 = %s", (sha256,))
        return bytes(rows[0][0]) if rows else None

    def is_empty(self) -> bool:
        return not self._rows("SELECT 1 FROM docchat.chunks LIMIT 1")

    def chunk_count(self) -> int:
        return self._rows("SELECT count(*) FROM docchat.chunks")[0][0]

    def vector_count(self) -> int:
        return self._rows("SELECT count(embedding) FROM docchat.chunks")[0][0]

    def search(self, query_vector: np.ndarray, k: int, collections: list[str] | None = None) -> list[Hit]:
        """Nearest chunks by inner product (= cosine: vectors are normalised) through the HNSW index.
        With a collection filter, pgvector 0.8's iterative scan keeps looking until k rows pass it."""
        vector = np.asarray(query_vector, dtype="float32").reshape(-1)
        where, params = _in_collections(collections, "WHERE")
        with self._pool.connection() as conn:
            conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(max(self.ef_search, k)),))
            if collections is not None and self.pgvector >= (0, 8):
                conn.execute("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)")
            rows = conn.execute(f"SELECT {_HIT}, -(c.embedding <#> %s) {_FROM} {where} "
                                f"ORDER BY c.embedding <#> %s LIMIT %s", (vector, *params, vector, k)).fetchall()
        return [Hit(source=r[1], page=r[2], text=r[3], score=float(r[6]), sha256=r[4], chunk_id=r[0], heading=r[5])
                for r in rows]

    def similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        if not ids:
            return {}
        vector = np.asarray(query_vector, dtype="float32").reshape(-1)
        rows = self._rows("SELECT id, -(embedding <#> %s) FROM docchat.chunks WHERE id = ANY(%s)", (vector, list(ids)))
        return {i: float(s) for i, s in rows}

    def keyword_search(self, words: str | None, trigrams: str | None, k: int,
                       collections: list[str] | None = None) -> list[Hit]:
        """Full-text search (GIN-indexed tsvector, BM25-like score) for ``words`` and substring
        matches for ``trigrams``, both FTS5 expressions from core.retrieval.keyword (see
        core.store.postgres_keyword). A chunk found by both adds its two scores."""
        where, params = _in_collections(collections, "AND")
        source = _FROM if collections is not None else "FROM docchat.chunks c"
        scores: dict[int, float] = {}
        with self._pool.connection() as conn:
            for query in (words_query(words, self._common_words(conn), source, where, params, k),
                          trigram_query(trigrams, source, where, params, k)):
                if query is None:
                    continue
                for chunk_id, value in conn.execute(*query).fetchall():
                    scores[chunk_id] = scores.get(chunk_id, 0.0) + float(value)
        return self.hits(sorted(scores.items(), key=lambda item: -item[1])[:k])

    def _common_words(self, conn: psycopg.Connection) -> frozenset[str]:
        """Words in more than ``COMMON`` of the chunks, from PostgreSQL's own statistics (kept by
        ANALYZE / autovacuum), read once a minute: left out of any-word queries, where "the" or
        "what" would make every chunk a candidate to score (50 ms at 10k chunks, growing with
        the library) for a word whose IDF is near zero anyway."""
        read_at, words = self._common
        if time.monotonic() - read_at > 60:
            row = conn.execute("SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                               "WHERE schemaname = 'docchat' AND tablename = 'chunks' AND attname = 'words'").fetchone()
            words = frozenset(w for w, f in zip(*row, strict=False) if f > COMMON) if row and row[0] else frozenset()
            self._common = (time.monotonic(), words)
        return words

    def hits(self, found: list[tuple[int, float]]) -> list[Hit]:
        """Chunk ids with scores, in the given order, as Hits with their document's name."""
        if not found:
            return []
        rows = self._rows(f"SELECT {_HIT} {_FROM} WHERE c.id = ANY(%s)", ([i for i, _ in found],))
        by_id = {row[0]: row for row in rows}
        return [Hit(source=row[1], page=row[2], text=row[3], score=score, sha256=row[4], chunk_id=i, heading=row[5])
                for i, score in found if (row := by_id.get(i))]

    def chunk_texts(self, ids: list[int] | None = None) -> list[tuple[int, str, str | None]]:
        if ids is None:
            return [tuple(r) for r in self._rows("SELECT id, text, heading FROM docchat.chunks ORDER BY id")]
        return [tuple(r) for r in self._rows("SELECT id, text, heading FROM docchat.chunks WHERE id = ANY(%s) "
                                             "ORDER BY id", ([int(i) for i in ids],))]

    def missing_vectors(self) -> list[int]:
        """None here: a chunk's vector is a NOT NULL column of its own row."""
        return []

    def missing_originals(self) -> list[DocumentRecord]:
        """Originals live in the same transaction as their rows; a row without one is reported."""
        rows = self._rows(f"SELECT {_DOCUMENT} FROM docchat.documents d WHERE NOT EXISTS "
                          "(SELECT 1 FROM docchat.originals o WHERE o.document_id = d.id) ORDER BY d.id")
        return [DocumentRecord(*row) for row in rows]

    def restore_original(self, sha256: str, data: bytes) -> bool:
        """Originals are written with their rows here; none goes missing on its own."""
        return False

    def add_vectors(self, vectors: np.ndarray, ids: np.ndarray,
                    sentences: list[np.ndarray | None] | None = None) -> int:
        """Nothing is ever missing here (``missing_vectors``), so nothing to put back."""
        return 0

    def sentence_similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        if not ids:
            return {}
        rows = self._rows("SELECT chunk_id, vectors FROM docchat.chunk_sentences WHERE chunk_id = ANY(%s)",
                          ([int(i) for i in ids],))
        return best_sentences(query_vector, rows)

    # -- writing ---------------------------------------------------------------------------
    def check_embedding_model(self, name: str) -> None:
        with self._pool.connection() as conn:
            _check_model(conn, name)

    def add_document(self, **fields) -> DocumentRecord:
        return self.add_documents([NewDocument(**fields)])[0]

    def add_documents(self, new: list[NewDocument], added: str | None = None) -> list[DocumentRecord]:
        """Add documents (rows, vectors and originals) in one transaction. Documents already
        present are returned as they are; one that ``replaces`` another takes its place in the same
        transaction, so readers see the old version or the new one. ``added``: keep a timestamp
        (a migration); default now."""
        for doc in new:
            if len(doc.chunks) != len(doc.vectors):
                raise ValueError("one vector per chunk is required")
        models = {doc.embedding_model for doc in new}
        if len(models) > 1:
            raise LibraryMismatch(f"one embedding model per library, not {sorted(models)}")
        added = added or datetime.now(UTC).isoformat(timespec="seconds")
        records: list[DocumentRecord] = []
        with self._write() as conn:
            for model in models:  # on the locked connection: no writer between check and insert, and no
                _check_model(conn, model)  # second pool connection that waiting writers could hold
            for doc in new:
                row = conn.execute(f"SELECT {_DOCUMENT} FROM docchat.documents d WHERE d.sha256 = %s",
                                   (doc.sha256,)).fetchone()
                if row and doc.replaces != doc.sha256:
                    records.append(DocumentRecord(*row))
                    continue
                if doc.replaces:
                    conn.execute("DELETE FROM docchat.documents WHERE sha256 = %s", (doc.replaces,))
                _set_dimension(conn, doc.vectors.shape[1])
                records.append(_insert(conn, doc, added))
                conn.execute("INSERT INTO docchat.meta (key, value) VALUES ('embedding_model', %s), ('dimension', %s) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             (doc.embedding_model, str(doc.vectors.shape[1])))
        return records

    def set_collection(self, sha256: str, collection: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE docchat.documents SET collection = %s WHERE sha256 = %s", (collection.strip(), sha256))

    def reindex(self, vectors: np.ndarray, ids: np.ndarray, embedding_model: str,
                sentences: list[np.ndarray | None] | None = None) -> None:
        """Swap in every chunk's vector from another model; rows stay, the HNSW index is rebuilt
        for the new dimension and the recorded model changes in the same transaction."""
        with self._write() as conn:
            current = {r[0] for r in conn.execute("SELECT id FROM docchat.chunks")}
            if current != set(ids.tolist()):
                raise RuntimeError("the library changed while it was re-indexed; run it again")
            conn.execute("DROP INDEX IF EXISTS docchat.chunks_embedding")
            conn.execute("ALTER TABLE docchat.chunks ALTER COLUMN embedding TYPE vector")  # any dimension meanwhile
            conn.execute("CREATE TEMPORARY TABLE new_vectors (id bigint, embedding vector) ON COMMIT DROP")
            with conn.cursor().copy("COPY new_vectors (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int8", "vector"])
                for i, vector in zip(ids.tolist(), np.asarray(vectors, dtype="float32"), strict=True):
                    copy.write_row([i, vector])
            conn.execute("UPDATE docchat.chunks c SET embedding = n.embedding FROM new_vectors n WHERE c.id = n.id")
            conn.execute("DELETE FROM docchat.chunk_sentences")  # the old model's, or another dimension
            _insert_sentences(conn, ids.tolist(), sentences)
            _set_dimension(conn, vectors.shape[1])
            conn.execute("INSERT INTO docchat.meta (key, value) VALUES ('embedding_model', %s), ('dimension', %s) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         (embedding_model, str(vectors.shape[1])))

    def delete_document(self, sha256: str) -> DocumentRecord | None:
        """Rows, vectors and the stored original go together (ON DELETE CASCADE), in one commit."""
        with self._write() as conn:
            row = conn.execute(f"DELETE FROM docchat.documents d WHERE d.sha256 = %s RETURNING {_DOCUMENT}",
                               (sha256,)).fetchone()
        return DocumentRecord(*row) if row else None


def _configure(conn: psycopg.Connection) -> None:
    """Each pooled connection reads and writes ``vector`` values as numpy arrays."""
    from pgvector.psycopg import register_vector

    register_vector(conn)
    conn.commit()  # the pool takes connections back only when idle


def _check_model(conn: psycopg.Connection, name: str) -> None:
    row = conn.execute("SELECT value FROM docchat.meta WHERE key = 'embedding_model'").fetchone()
    if row and row[0] != name and conn.execute("SELECT 1 FROM docchat.chunks LIMIT 1").fetchone():
        raise LibraryMismatch(
            f"this library was indexed with {row[0]!r}, not {name!r}; "
            "re-index it to switch models (python -m core reindex, or Documents → Re-index)"
        )


def _try_trigram_index(conn: psycopg.Connection) -> None:
    """pg_trgm (a trusted extension in PostgreSQL 13+, in Debian's postgresql-contrib) turns the
    trigram leg into an index lookup. Without it the same query scans: slower, same results."""
    import psycopg

    try:
        with conn.transaction():  # a savepoint: a refusal leaves the open transaction usable
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            conn.execute(f"CREATE INDEX IF NOT EXISTS chunks_trigrams ON docchat.chunks {TRIGRAM_INDEX}")
    except psycopg.Error:
        pass


def _set_dimension(conn: psycopg.Connection, dimension: int) -> None:
    """Give the vector column its dimension and build the HNSW index (inner product), once: at the
    first document, or after a re-index with a model of another size."""
    from psycopg import sql

    typmod = conn.execute("SELECT atttypmod FROM pg_attribute WHERE attrelid = 'docchat.chunks'::regclass "
                          "AND attname = 'embedding'").fetchone()[0]
    if typmod == dimension:
        return
    conn.execute("DROP INDEX IF EXISTS docchat.chunks_embedding")
    conn.execute(sql.SQL("ALTER TABLE docchat.chunks ALTER COLUMN embedding TYPE vector({})")
                 .format(sql.Literal(int(dimension))))
    conn.execute("CREATE INDEX chunks_embedding ON docchat.chunks USING hnsw (embedding vector_ip_ops)")


def _insert(conn: psycopg.Connection, doc: NewDocument, added: str) -> DocumentRecord:
    document_id = conn.execute(
        "INSERT INTO docchat.documents (sha256, name, type, pages, chunks, size, added, note, collection) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (doc.sha256, doc.name, doc.kind, doc.pages, len(doc.chunks), len(doc.original), added, doc.note,
         doc.collection),
    ).fetchone()[0]
    conn.execute("INSERT INTO docchat.originals (document_id, data) VALUES (%s, %s)", (document_id, doc.original))
    with conn.cursor().copy("COPY docchat.chunks (document_id, ordinal, page, text, heading, embedding) "
                            "FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "int4", "int4", "text", "text", "vector"])
        for chunk, vector in zip(doc.chunks, np.asarray(doc.vectors, dtype="float32"), strict=True):
            copy.write_row([document_id, chunk.ordinal, chunk.page, chunk.text, chunk.heading, vector])
    if doc.sentence_vectors is not None:
        by_ordinal = dict(conn.execute("SELECT ordinal, id FROM docchat.chunks WHERE document_id = %s",
                                       (document_id,)).fetchall())
        _insert_sentences(conn, [by_ordinal[c.ordinal] for c in doc.chunks], doc.sentence_vectors)
    return DocumentRecord(doc.name, doc.sha256, doc.kind, doc.pages, len(doc.chunks), len(doc.original), added,
                          doc.note, doc.collection)


def _insert_sentences(conn: psycopg.Connection, ids: list[int], sentences: list[np.ndarray | None] | None) -> None:
    if sentences is None:
        return
    with conn.cursor().copy("COPY docchat.chunk_sentences (chunk_id, vectors) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "bytea"])
        for row in sentence_rows(ids, sentences):
            copy.write_row(row)


def _in_collections(collections: list[str] | None, keyword: str) -> tuple[str, list[Any]]:
    """A ``WHERE``/``AND`` clause over ``documents d`` for a collection filter (None: every document)."""
    if collections is None:
        return "", []
    return f"{keyword} d.collection = ANY(%s)", [list(collections)]
