"""The library in PostgreSQL with pgvector, for a team: several app instances share one library.

Everything lives in the database — documents, chunk text, vectors (HNSW index), the full-text
index and the uploaded files (bytea) — so any instance can answer from any document and serve its
download; no shared disk, no reload: a commit in one instance is visible to the next query of the
others. The default stays the embedded ``SqliteStore``; ``database_url`` picks this one.

psycopg 3 with pgvector's adapter, not langchain-postgres: the app needs its own tables
(documents with collections and notes, chunk ids that fusion and citations share), full-text search
next to vector search and a replace in one transaction; langchain-postgres' ``PGVector`` keeps one
JSON metadata column per embedding and has none of that, so it would add a layer and save no code.

Writes run in one transaction each, after a transaction-level advisory lock, so two instances never
interleave the model check and the insert (the embedded store's file lock, here in the database).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from cachetools import TTLCache

from core.store import common_words, postgres_rows, rules
from core.store.base import StoreStats
from core.store.keyword_query import KeywordQuery, Term
from core.store.postgres_chats import PostgresChats
from core.store.postgres_keyword import TRIGRAM_INDEX, trigram_query, words_query
from core.store.postgres_rows import one_row
from core.store.records import Chunk, DocumentRecord, Hit, NewDocument
from core.store.scope import Scope
from core.store.sentence_vectors import best_sentences, sentence_matrix

if TYPE_CHECKING:
    import psycopg

SCHEMA = Path(__file__).with_name("postgres_schema.sql").read_text(encoding="utf-8")
WRITE_LOCK = 0x646F6363686174  # "docchat": the pg_advisory_xact_lock key every writer takes
_DOCUMENT = "d.name, d.sha256, d.type, d.pages, d.chunks, d.size, d.added, d.note, d.collection"
_FROM = "FROM docchat.chunks c JOIN docchat.documents d ON d.id = c.document_id"


class PostgresStore:
    def __init__(self, url: str, ef_search: int = 100, pool_size: int = 4) -> None:
        """``ef_search``: HNSW candidate list per query. pgvector's default of 40 gave recall@10
        0.953 against exact search at 10k MiniLM vectors, 100 gives 0.988 for 0.3 ms more (1.4 ms
        median on 2 cores), and keeps a 30-candidate hybrid search complete. Creates the extension and the tables on
        first use; the role needs the right to, or an administrator runs ``CREATE EXTENSION vector``."""
        import psycopg
        from psycopg_pool import ConnectionPool

        self.url = url
        self.ef_search = ef_search
        self._common: TTLCache[str, dict[str, float]] = TTLCache(maxsize=1, ttl=common_words.REFRESH_SECONDS)
        self._common_lock = threading.Lock()
        with psycopg.connect(url) as conn:  # the type must exist before the pool's connections look it up
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            if not conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone():
                conn.execute("CREATE EXTENSION vector")
            conn.execute(SCHEMA)
            _try_trigram_index(conn)
            version = one_row(conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))[0]
        self.pgvector = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
        if self.pgvector < (0, 5):
            raise RuntimeError(f"pgvector {version} has no HNSW index; 0.5 or newer is needed")
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, configure=_configure,
                                    check=ConnectionPool.check_connection, open=True, name="docchat")
        self.chats = PostgresChats(self._pool)

    def close(self) -> None:
        self._pool.close()

    def __repr__(self) -> str:  # never the URL: it may hold a password
        return "PostgresStore(...)"

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
        where, params = _in_scope(Scope.of(collections), "WHERE")
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

    def search(self, query_vector: np.ndarray, k: int, scope: Scope | None = None) -> list[Hit]:
        """Nearest chunks by inner product (= cosine: vectors are normalised) through the HNSW index.
        Within a scope, pgvector 0.8's iterative scan keeps looking until k rows pass it."""
        vector = np.asarray(query_vector, dtype="float32").reshape(-1)
        scoped, params = _in_scope(scope, "AND")
        with self._pool.connection() as conn:
            conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(max(self.ef_search, k)),))
            if scoped and self.pgvector >= (0, 8):
                conn.execute("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)")
            where = f"WHERE c.embedding IS NOT NULL {scoped}"  # a chunk still waiting is found by its words
            rows = conn.execute(f"SELECT {rules.HIT_COLUMNS}, -(c.embedding <#> %s) {_FROM} {where} "
                                f"ORDER BY c.embedding <#> %s LIMIT %s", (vector, *params, vector, k)).fetchall()
        return [Hit(source=r[1], page=r[2], text=r[3], score=float(r[6]), sha256=r[4], chunk_id=r[0], heading=r[5])
                for r in rows]

    def similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        if not ids:
            return {}
        vector = np.asarray(query_vector, dtype="float32").reshape(-1)
        rows = self._rows("SELECT id, -(embedding <#> %s) FROM docchat.chunks WHERE id = ANY(%s) "
                          "AND embedding IS NOT NULL", (vector, list(ids)))
        return {i: float(s) for i, s in rows}

    def keyword_search(self, query: KeywordQuery, k: int, scope: Scope | None = None) -> list[Hit]:
        """Full-text search (GIN-indexed tsvector, BM25-like score) for the words and substring
        matches for the trigrams (``core.store.postgres_keyword``); common words left out
        (decision 006)."""
        where, params = _in_scope(scope, "AND")
        source = _FROM if where else "FROM docchat.chunks c"
        with self._pool.connection() as conn:
            if not query.every_word and query.words:
                shares = self._word_shares(conn)
                query = common_words.leave_out(query, int(shares.get("", 0)), lambda terms: _shares(terms, shares))
            legs = [conn.execute(*sql).fetchall() for sql in (
                words_query(query.words, query.every_word, source, where, params, k),
                trigram_query(query.trigrams, query.every_word, source, where, params, k)) if sql is not None]
        return self._hits(rules.merge_scores(legs, k))

    def _word_shares(self, conn: psycopg.Connection) -> dict[str, float]:
        """The most common words' share of the chunks, from PostgreSQL's own statistics (kept by
        ANALYZE / autovacuum), and the chunk count under "": read again after ``REFRESH_SECONDS``."""
        with self._common_lock:
            if (shares := self._common.get("shares")) is None:
                row = conn.execute("SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                                   "WHERE schemaname = 'docchat' AND tablename = 'chunks' "
                                   "AND attname = 'words'").fetchone()
                shares = dict(zip(*row, strict=False)) if row and row[0] else {}
                shares[""] = one_row(conn.execute("SELECT greatest(reltuples, 0) FROM pg_class "
                                                  "WHERE oid = 'docchat.chunks'::regclass"))[0]
                self._common["shares"] = shares
            return shares

    def _hits(self, found: list[tuple[int, float]]) -> list[Hit]:
        if not found:
            return []
        return rules.hits(found, self._rows(f"SELECT {rules.HIT_COLUMNS} {_FROM} WHERE c.id = ANY(%s)",
                                            ([i for i, _ in found],)))

    def document_chunks(self, sha256: str) -> list[tuple[int, Chunk]]:
        rows = self._rows(f"SELECT c.id, c.text, c.page, c.ordinal, c.heading {_FROM} WHERE d.sha256 = %s "
                          "ORDER BY c.ordinal, c.id", (sha256,))
        return [(r[0], Chunk(r[1], r[2], r[3], r[4])) for r in rows]

    def chunk_texts(self, ids: list[int] | None = None) -> list[tuple[int, str, str | None]]:
        if ids is None:
            rows = self._rows("SELECT id, text, heading FROM docchat.chunks ORDER BY id")
        else:
            rows = self._rows("SELECT id, text, heading FROM docchat.chunks WHERE id = ANY(%s) ORDER BY id",
                              ([int(i) for i in ids],))
        return [(r[0], r[1], r[2]) for r in rows]

    @property
    def defers_vectors(self) -> bool:
        """A chunk's vector is a column of its row, NULL until the background embedder fills it."""
        return True

    def pending_documents(self) -> dict[str, tuple[int, int]]:
        rows = self._rows("SELECT d.sha256, count(*) FILTER (WHERE c.embedding IS NULL), count(*) "
                          f"{_FROM} WHERE d.id IN (SELECT document_id FROM docchat.chunks WHERE embedding IS NULL) "
                          "GROUP BY d.sha256")
        return {sha: (waiting, total) for sha, waiting, total in rows}

    def missing_vectors(self) -> list[int]:
        """Chunks committed keyword-first whose vector has not landed yet (the vector lives in the
        row, so none is ever lost)."""
        return [r[0] for r in self._rows("SELECT id FROM docchat.chunks WHERE embedding IS NULL ORDER BY id")]

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
        """The vectors of chunks still waiting for them (``missing_vectors``), with their sentence vectors,
        in one transaction; chunks deleted or given vectors meanwhile are skipped. How many were added."""
        with self._write() as conn:
            waiting = {r[0] for r in conn.execute("SELECT id FROM docchat.chunks WHERE id = ANY(%s) AND embedding "
                                                  "IS NULL", ([int(i) for i in ids.tolist()],))}
            keep = [n for n, i in enumerate(ids.tolist()) if i in waiting]
            if not keep:
                return 0
            kept = [int(ids[n]) for n in keep]
            postgres_rows.set_dimension(conn, vectors.shape[1])
            postgres_rows.set_vectors(conn, kept, vectors[keep])
            conn.execute("INSERT INTO docchat.meta (key, value) VALUES ('dimension', %s) ON CONFLICT (key) DO NOTHING",
                         (str(vectors.shape[1]),))  # a library whose first documents came keyword-first
            if sentences is not None:
                conn.execute("DELETE FROM docchat.chunk_sentences WHERE chunk_id = ANY(%s)", (kept,))
                postgres_rows.insert_sentences(conn, kept, [sentences[n] for n in keep])
        return len(keep)

    def sentence_similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        if not ids:
            return {}
        rows = self._rows("SELECT chunk_id, vectors FROM docchat.chunk_sentences WHERE chunk_id = ANY(%s)",
                          ([int(i) for i in ids],))
        return best_sentences(query_vector, rows)

    def export(self) -> Iterator[tuple[DocumentRecord, NewDocument | None]]:
        if missing := self.missing_vectors():  # as SQLite's: a copy carries every vector
            raise RuntimeError(f"{len(missing)} passages have no vectors; rebuild them first")
        model = self.meta("embedding_model") or ""
        for record in self.documents():
            original = self.original(record.sha256)
            if original is None:
                yield record, None
                continue
            rows = self._rows("SELECT c.ordinal, c.page, c.text, c.heading, c.embedding, s.vectors "
                              f"{_FROM} LEFT JOIN docchat.chunk_sentences s ON s.chunk_id = c.id "
                              "WHERE d.sha256 = %s ORDER BY c.ordinal, c.id", (record.sha256,))
            vectors = (np.stack([r[4].to_numpy().astype("float32") for r in rows]) if rows  # pgvector's Vector
                       else np.zeros((0, 0), dtype="float32"))
            chunks = [Chunk(r[2], r[1], r[0], r[3]) for r in rows]
            sentences = [sentence_matrix(r[5] and bytes(r[5]), vectors.shape[1]) for r in rows]
            yield record, rules.exported(record, original, chunks, vectors, model, sentences)

    def stats(self) -> StoreStats:
        documents, chunks, vectors, text = self._rows(
            "SELECT (SELECT count(*) FROM docchat.documents), count(*), count(embedding), "
            "COALESCE(sum(octet_length(text) + COALESCE(octet_length(heading), 0)), 0) FROM docchat.chunks")[0]
        sizes = self._rows("SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n "
                           "ON n.oid = c.relnamespace WHERE n.nspname = 'docchat' AND c.relkind = 'r'")
        return StoreStats(documents, chunks, vectors, int(text), {name: int(size) for name, size in sizes})

    # -- writing ---------------------------------------------------------------------------
    def check_embedding_model(self, name: str) -> None:
        with self._pool.connection() as conn:
            postgres_rows.check_model(conn, name)

    def add_documents(self, new: list[NewDocument], added: str | None = None) -> list[DocumentRecord]:
        model = rules.checked_model(new)
        added = added or rules.now()
        records: list[DocumentRecord] = []
        with self._write() as conn:
            if model is not None:  # on the locked connection: no writer between check and insert, and no
                postgres_rows.check_model(conn, model)  # second pool connection that waiting writers could hold
            for doc in new:
                row = conn.execute(f"SELECT {_DOCUMENT} FROM docchat.documents d WHERE d.sha256 = %s",
                                   (doc.sha256,)).fetchone()
                if row and doc.replaces != doc.sha256:
                    records.append(DocumentRecord(*row))
                    continue
                if doc.replaces:
                    conn.execute("DELETE FROM docchat.documents WHERE sha256 = %s", (doc.replaces,))
                if doc.vectors is not None:
                    postgres_rows.set_dimension(conn, doc.vectors.shape[1])
                records.append(postgres_rows.insert(conn, doc, added))
                if doc.vectors is None:  # keyword-first: the background embedder adds them
                    postgres_rows.record_model_name(conn, doc.embedding_model)
                else:
                    postgres_rows.record_model(conn, doc.embedding_model, doc.vectors.shape[1])
        return records

    def set_collection(self, sha256: str, collection: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE docchat.documents SET collection = %s WHERE sha256 = %s", (collection.strip(), sha256))

    def reindex(self, vectors: np.ndarray, ids: np.ndarray, embedding_model: str,
                sentences: list[np.ndarray | None] | None = None) -> None:
        """Swap in every chunk's vector from another model; rows stay, the HNSW index is rebuilt
        for the new dimension and the recorded model changes in the same transaction."""
        with self._write() as conn:
            rules.check_unchanged({r[0] for r in conn.execute("SELECT id FROM docchat.chunks")}, ids)
            conn.execute("DROP INDEX IF EXISTS docchat.chunks_embedding")
            conn.execute("ALTER TABLE docchat.chunks ALTER COLUMN embedding TYPE vector")  # any dimension meanwhile
            postgres_rows.set_vectors(conn, ids.tolist(), vectors)
            conn.execute("DELETE FROM docchat.chunk_sentences")  # the old model's, or another dimension
            postgres_rows.insert_sentences(conn, ids.tolist(), sentences)
            postgres_rows.set_dimension(conn, vectors.shape[1])
            postgres_rows.record_model(conn, embedding_model, vectors.shape[1])

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


def _shares(terms: Sequence[Term], common: dict[str, float]) -> list[float | None]:
    """Each word's share of the chunks: PostgreSQL's statistics list only the most common words, so a
    word not listed is rare enough to keep (share 0)."""
    return [common.get(t.text.lower(), 0.0) for t in terms]


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


def _in_scope(scope: Scope | None, keyword: str) -> tuple[str, list[Any]]:
    """A ``WHERE``/``AND`` clause over ``documents d`` for a scope ("": every document)."""
    return rules.scope_clause(scope, keyword, lambda column, values: (f"{column} = ANY(%s)", [list(values)]))
