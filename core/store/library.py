"""The library: SQLite holds documents and chunk text, a FAISS ``IndexIDMap2`` holds vectors
keyed by chunk id. No pickle anywhere: FAISS is written with ``faiss.write_index``.

Writes are ordered so that a crash at any point leaves a loadable library: the index file only
gains vectors before a commit (written to a temp file and renamed inside the open SQLite
transaction) and only loses them after it. A crash in between leaves vectors with no rows,
never rows without vectors, and ``_reconcile`` drops them at the next open or the next write.
A file lock serialises writers across processes (app + CLI), and readers reload the index when
its file changes, so new documents appear without a restart.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core.store import migrations
from core.store.common_terms import CommonTerms
from core.store.files import atomic_write_bytes
from core.store.records import DocumentRecord, Hit, NewDocument
from core.store.rows import insert_document, insert_sentences, remove_rows
from core.store.sentence_vectors import best_sentences
from core.store.vector_index import VectorIndex

# In DocumentRecord's field order.
_DOCUMENT_COLUMNS = "name, sha256, type, pages, chunks, size, added, note, collection"


class LibraryMismatch(Exception):
    """The library was built with another embedding model; mixing vectors would be meaningless."""


class Library:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data_dir / "library.sqlite"
        self.index_path = self.data_dir / "index.faiss"
        self.uploads_dir = self.data_dir / "uploads"
        self._lock = threading.RLock()
        self._vectors = VectorIndex(self.index_path)
        self._common_terms = CommonTerms()
        with self._write_lock():
            with self._connect() as conn:
                migrations.migrate(conn)
            self._reconcile()

    # -- connections and locks -------------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        from filelock import FileLock

        with self._lock, FileLock(str(self.data_dir / "library.lock"), timeout=600):
            yield

    @contextmanager
    def _transaction(self, conn: sqlite3.Connection) -> Iterator[None]:
        """Rows change in the transaction; the index file is renamed inside it; commit comes last.
        On any failure the rows roll back and the index is re-read and reconciled with them."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            self._vectors.forget()
            self._reconcile()
            raise

    def _reconcile(self) -> None:
        """Drop vectors without rows (crash after rename), documents missing vectors, originals
        without documents, and the temp file of an index write that died (only a holder of the
        write lock writes one)."""
        for leftover in self.data_dir.glob(f".{self.index_path.name}.*.tmp"):
            leftover.unlink(missing_ok=True)
        index = self._vectors.current()
        with self._connect() as conn:
            self._sweep_uploads({r[0] for r in conn.execute("SELECT sha256 FROM documents")})
            row_ids = {r[0] for r in conn.execute("SELECT id FROM chunks")}
            vector_ids = self._vectors.ids(index)
            orphans = vector_ids - row_ids
            missing = row_ids - vector_ids
            if missing:
                conn.execute("BEGIN IMMEDIATE")
                marks = ",".join("?" * len(missing))
                conn.execute(
                    f"DELETE FROM documents WHERE id IN (SELECT document_id FROM chunks WHERE id IN ({marks}))",
                    list(missing),
                )
                conn.execute("COMMIT")
        if orphans and index is not None:
            index.remove_ids(np.array(sorted(orphans), dtype="int64"))
            self._vectors.save(index)

    def _sweep_uploads(self, listed: set[str]) -> None:
        """Stored originals (and their temp files) of documents that never committed: a crash
        between writing the file and the commit. Safe because originals are written under the lock."""
        if not self.uploads_dir.is_dir():
            return
        for path in self.uploads_dir.iterdir():
            if path.name not in listed:
                path.unlink(missing_ok=True)

    # -- reading ---------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self._connect() as conn:
            return migrations.meta(conn, key)

    def documents(self, collections: list[str] | None = None) -> list[DocumentRecord]:
        where, params = _in_collections(collections)
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents d {where} ORDER BY added, id",
                                params).fetchall()
        return [DocumentRecord(*row) for row in rows]

    def collections(self) -> list[str]:
        """Every collection in use, by name ("" is the documents with none)."""
        with self._connect() as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT collection FROM documents ORDER BY collection")]

    def find(self, sha256: str) -> DocumentRecord | None:
        """One indexed lookup (every ingest asks this first), not a scan of the whole library."""
        with self._connect() as conn:
            row = conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
        return DocumentRecord(*row) if row else None

    def find_by_name(self, name: str) -> DocumentRecord | None:
        """The newest document with this file name: an upload with the same name and other bytes
        is a new version of it."""
        with self._connect() as conn:
            row = conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE name = ? ORDER BY id DESC",
                               (name,)).fetchone()
        return DocumentRecord(*row) if row else None

    def original(self, sha256: str) -> bytes | None:
        """The uploaded file as it was, for download; stored by hash, never by the user's name."""
        path = self.uploads_dir / sha256
        return path.read_bytes() if len(sha256) == 64 and path.is_file() else None

    def is_empty(self) -> bool:
        """Asked before every search: one row lookup, where COUNT(*) would scan the table."""
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is None

    def chunk_count(self) -> int:
        with self._connect() as conn:
            return conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def vector_count(self) -> int:
        return self._vectors.count()

    def _chunk_ids(self, collections: list[str] | None) -> list[int] | None:
        """The chunk ids a collection filter allows; None when there is no filter."""
        if collections is None:
            return None
        where, params = _in_collections(collections)
        with self._connect() as conn:
            return [r[0] for r in conn.execute(
                f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id {where}", params)]

    def search(self, query_vector: np.ndarray, k: int, collections: list[str] | None = None) -> list[Hit]:
        """Nearest chunks by cosine similarity (vectors are normalised, the index is inner product)."""
        return self.hits(self._vectors.search(query_vector, k, self._chunk_ids(collections)))

    def similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine of the query with the stored vectors of ``ids`` (no search, a lookup by id)."""
        return self._vectors.similarities(query_vector, ids)

    def sentence_similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Each chunk's best sentence cosine; chunks without sentence vectors are left out."""
        if not ids:
            return {}
        with self._connect() as conn:
            rows = conn.execute(f"SELECT chunk_id, vectors FROM chunk_sentences WHERE chunk_id IN "
                                f"({','.join('?' * len(ids))})", [int(i) for i in ids]).fetchall()
        return best_sentences(query_vector, rows)

    def keyword_search(self, words: str | None, trigrams: str | None, k: int,
                       collections: list[str] | None = None) -> list[Hit]:
        """BM25 over the full-text indexes; ``words`` and ``trigrams`` are FTS5 MATCH expressions
        (see core.retrieval.keyword). A chunk found by both has its two scores added."""
        scores: dict[int, float] = {}
        where, params = _in_collections(collections)
        only = (f"AND rowid IN (SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id {where})"
                if collections is not None else "")
        with self._connect() as conn:
            words = self._common_terms.leave_out(conn, words)
            for table, query in (("chunks_fts", words), ("chunks_trigram", trigrams)):
                if not query:
                    continue
                rows = conn.execute(
                    f"SELECT rowid, -bm25({table}, 2.0, 1.0) FROM {table} WHERE {table} MATCH ? {only} "
                    f"ORDER BY bm25({table}, 2.0, 1.0) LIMIT ?",
                    (query, *params, k),
                ).fetchall()
                for chunk_id, score in rows:
                    scores[chunk_id] = scores.get(chunk_id, 0.0) + score
        ranked = sorted(scores.items(), key=lambda item: -item[1])[:k]
        return self.hits(ranked)

    def hits(self, found: list[tuple[int, float]]) -> list[Hit]:
        """Chunk ids with scores, in the given order, as Hits with their document's name."""
        if not found:
            return []
        with self._connect() as conn:
            marks = ",".join("?" * len(found))
            rows = conn.execute(
                f"SELECT c.id, d.name, c.page, c.text, d.sha256, c.heading FROM chunks c "
                f"JOIN documents d ON d.id = c.document_id WHERE c.id IN ({marks})",
                [i for i, _ in found],
            ).fetchall()
        by_id = {row[0]: row for row in rows}
        return [
            Hit(source=row[1], page=row[2], text=row[3], score=score, sha256=row[4], chunk_id=i, heading=row[5])
            for i, score in found
            if (row := by_id.get(i))
        ]

    def chunk_texts(self) -> list[tuple[int, str, str | None]]:
        """Every chunk's id, text and heading, for re-indexing."""
        with self._connect() as conn:
            return [tuple(r) for r in conn.execute("SELECT id, text, heading FROM chunks ORDER BY id")]

    # -- writing ---------------------------------------------------------------------------
    def check_embedding_model(self, name: str) -> None:
        built_with = self.meta("embedding_model")
        if built_with and built_with != name and not self.is_empty():
            raise LibraryMismatch(
                f"this library was indexed with {built_with!r}, not {name!r}; "
                "re-index it to switch models (python -m core reindex, or Documents → Re-index)"
            )

    def add_document(self, **fields) -> DocumentRecord:
        return self.add_documents([NewDocument(**fields)])[0]

    def add_documents(self, new: list[NewDocument]) -> list[DocumentRecord]:
        """Add several documents in one transaction and one index write (bulk imports, evals).
        Originals are stored first, under the write lock, so a listed document always has its file
        and ``_reconcile`` may sweep any file without a document; a failure removes the copies this
        call wrote. Documents already present are returned as they are. A document that
        ``replaces`` another takes its place in the same transaction: readers see the old version
        or the new one, never both or neither."""
        for doc in new:
            if len(doc.chunks) != len(doc.vectors):
                raise ValueError("one vector per chunk is required")
        records: list[DocumentRecord] = []
        replaced: list[str] = []
        stale: list[int] = []  # vectors of replaced rows: out of the index only after the commit
        added = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write_lock(), self._connect() as conn:
            models = {doc.embedding_model for doc in new}
            for model in models:
                self.check_embedding_model(model)
            if len(models) > 1:
                raise LibraryMismatch(f"one embedding model per library, not {sorted(models)}")
            self._reconcile()  # another process may have died mid-write since this one last looked
            written = self._store_originals(new)
            try:
                index = self._vectors.current()
                with self._transaction(conn):
                    start = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM chunks").fetchone()[0]
                    for doc in new:
                        existing = self.find(doc.sha256)  # committed state: a read again replaces itself
                        if existing and doc.replaces != doc.sha256:
                            records.append(existing)
                            continue
                        if doc.replaces and (gone := remove_rows(conn, doc.replaces)) is not None:
                            replaced.append(doc.replaces)
                            stale.extend(gone)
                        if index is None or (index.ntotal == 0 and index.d != doc.vectors.shape[1]):
                            index = self._vectors.empty(doc.vectors.shape[1])  # first, or a new model
                        ids = insert_document(conn, doc, added, start)
                        start += len(ids)
                        index.add_with_ids(np.ascontiguousarray(doc.vectors, dtype="float32"), ids)
                        records.append(DocumentRecord(doc.name, doc.sha256, doc.kind, doc.pages, len(doc.chunks),
                                                      len(doc.original), added, doc.note, doc.collection))
                        conn.execute(
                            "INSERT OR REPLACE INTO meta (key, value) VALUES ('embedding_model', ?), ('dimension', ?)",
                            (doc.embedding_model, str(doc.vectors.shape[1])),
                        )
                    if index is not None:
                        self._vectors.save(index)
                self._drop_vectors(index, stale)
            except BaseException:
                for sha in written:
                    if self.find(sha) is None:
                        (self.uploads_dir / sha).unlink(missing_ok=True)
                raise
            for sha in set(replaced) - {doc.sha256 for doc in new}:
                (self.uploads_dir / sha).unlink(missing_ok=True)
        return records

    def _store_originals(self, new: list[NewDocument]) -> list[str]:
        """Write each original under its hash; returns the hashes that were not stored before."""
        written = []
        for doc in new:
            stored = self.uploads_dir / doc.sha256
            if not stored.exists():
                written.append(doc.sha256)
            atomic_write_bytes(stored, doc.original)
        return written

    def _drop_vectors(self, index, ids: list[int]) -> None:
        """After a commit: the vectors of rows that are gone. A crash before this leaves vectors
        without rows, which ``_reconcile`` drops; the index never lacks a committed row's vector."""
        if index is None or not ids:
            return
        try:
            index.remove_ids(np.array(ids, dtype="int64"))
            self._vectors.save(index)
        except BaseException:
            self._vectors.forget()
            raise

    def set_collection(self, sha256: str, collection: str) -> None:
        """Move a document to another collection: one row, no re-embedding."""
        with self._write_lock(), self._connect() as conn:
            conn.execute("UPDATE documents SET collection = ? WHERE sha256 = ?", (collection.strip(), sha256))

    def reindex(self, vectors: np.ndarray, ids: np.ndarray, embedding_model: str,
                sentences: list[np.ndarray | None] | None = None) -> None:
        """Swap in vectors from another embedding model for the chunks ``ids`` (all of them, as
        listed by ``chunk_texts``); rows stay, the index, the sentence vectors and the recorded
        model change together."""
        with self._write_lock(), self._connect() as conn:
            current = {row[0] for row in conn.execute("SELECT id FROM chunks")}
            if current != set(ids.tolist()):
                raise RuntimeError("the library changed while it was re-indexed; run it again")
            index = self._vectors.empty(vectors.shape[1])
            if len(ids):
                index.add_with_ids(np.ascontiguousarray(vectors, dtype="float32"), ids.astype("int64"))
            with self._transaction(conn):
                conn.execute("DELETE FROM chunk_sentences")  # the old model's, or another dimension
                insert_sentences(conn, ids, sentences)
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('embedding_model', ?), ('dimension', ?)",
                    (embedding_model, str(vectors.shape[1])),
                )
                self._vectors.save(index)

    def delete_document(self, sha256: str) -> DocumentRecord | None:
        """Remove a document's rows, vectors and stored original together; None if absent.

        The rows go in the commit, their vectors after it: a crash in between leaves vectors
        without rows, which ``_reconcile`` drops, finishing the job.
        """
        with self._write_lock(), self._connect() as conn:
            record = self.find(sha256)
            if record is None:
                return None
            self._reconcile()
            index = self._vectors.current()
            with self._transaction(conn):
                gone = remove_rows(conn, sha256) or []
            self._drop_vectors(index, gone)
        (self.uploads_dir / sha256).unlink(missing_ok=True)
        return record


def _in_collections(collections: list[str] | None) -> tuple[str, list[str]]:
    """A WHERE clause over ``documents d`` for a collection filter (None: every document)."""
    if collections is None:
        return "", []
    return f"WHERE d.collection IN ({','.join('?' * len(collections))})", list(collections)
