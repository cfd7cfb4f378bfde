"""The library: SQLite holds documents and chunk text, a FAISS ``IndexIDMap2`` holds vectors
keyed by chunk id. No pickle anywhere: FAISS is written with ``faiss.write_index``.

Writes are ordered so that a crash at any point leaves a loadable library: the new index is
written to a temp file and renamed inside an open SQLite transaction that is committed last.
A crash between the rename and the commit leaves vectors with no rows, which ``_reconcile``
drops on the next open. A file lock serialises writers across processes (app + CLI), and
readers reload the index when its file changes, so new documents appear without a restart.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core.ingest.records import Chunk
from core.store.files import atomic_write, atomic_write_bytes
from core.store.records import DocumentRecord, Hit

SCHEMA = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")


# In DocumentRecord's field order.
_DOCUMENT_COLUMNS = "name, sha256, type, pages, chunks, size, added, note"


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
        self._index = None
        self._index_stamp: tuple[int, int] | None = None
        with self._connect() as conn:
            conn.executescript(SCHEMA)
        with self._write_lock():
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
            self._index, self._index_stamp = None, None
            self._reconcile()
            raise

    # -- the FAISS index -------------------------------------------------------------------
    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.index_path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _current_index(self):
        """The in-memory index, re-read when another process or instance replaced the file."""
        import faiss

        with self._lock:
            stamp = self._stamp()
            if stamp != self._index_stamp or (self._index is None and stamp is not None):
                self._index = faiss.read_index(str(self.index_path)) if stamp else None
                self._index_stamp = stamp
            return self._index

    def _save_index(self, index) -> None:
        import faiss

        atomic_write(self.index_path, lambda tmp: faiss.write_index(index, str(tmp)))
        self._index = index
        self._index_stamp = self._stamp()

    def _index_ids(self, index) -> set[int]:
        import faiss

        return set(faiss.vector_to_array(index.id_map).tolist()) if index is not None else set()

    def _reconcile(self) -> None:
        """Drop vectors without rows (crash after rename) and documents missing vectors."""
        index = self._current_index()
        with self._connect() as conn:
            row_ids = {r[0] for r in conn.execute("SELECT id FROM chunks")}
            vector_ids = self._index_ids(index)
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
            self._save_index(index)

    # -- reading ---------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self._connect() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def documents(self) -> list[DocumentRecord]:
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents ORDER BY added, id").fetchall()
        return [DocumentRecord(*row) for row in rows]

    def find(self, sha256: str) -> DocumentRecord | None:
        """One indexed lookup (every ingest asks this first), not a scan of the whole library."""
        with self._connect() as conn:
            row = conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
        return DocumentRecord(*row) if row else None

    def chunk_count(self) -> int:
        with self._connect() as conn:
            return conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def vector_count(self) -> int:
        index = self._current_index()
        return 0 if index is None else int(index.ntotal)

    def search(self, query_vector: np.ndarray, k: int) -> list[Hit]:
        index = self._current_index()
        if index is None or index.ntotal == 0:
            return []
        with self._lock:
            scores, ids = index.search(np.asarray(query_vector, dtype="float32").reshape(1, -1), k)
        found = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        if not found:
            return []
        with self._connect() as conn:
            marks = ",".join("?" * len(found))
            rows = conn.execute(
                f"SELECT c.id, d.name, c.page, c.text, d.sha256 FROM chunks c "
                f"JOIN documents d ON d.id = c.document_id WHERE c.id IN ({marks})",
                [i for i, _ in found],
            ).fetchall()
        by_id = {row[0]: row for row in rows}
        return [
            Hit(source=by_id[i][1], page=by_id[i][2], text=by_id[i][3], score=s, sha256=by_id[i][4], chunk_id=i)
            for i, s in found
            if i in by_id
        ]

    # -- writing ---------------------------------------------------------------------------
    def check_embedding_model(self, name: str) -> None:
        built_with = self.meta("embedding_model")
        if built_with and built_with != name:
            raise LibraryMismatch(
                f"this library was indexed with {built_with!r}, not {name!r}; re-index it to switch models"
            )

    def add_document(
        self,
        *,
        name: str,
        sha256: str,
        kind: str,
        pages: int | None,
        original: bytes,
        chunks: list[Chunk],
        vectors: np.ndarray,
        embedding_model: str,
        note: str = "",
    ) -> DocumentRecord:
        import faiss

        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk is required")
        stored = self.uploads_dir / sha256
        stored_before = stored.exists()
        atomic_write_bytes(stored, original)  # before the rows: a listed document always has its file
        try:
            added = datetime.now(UTC).isoformat(timespec="seconds")
            with self._write_lock(), self._connect() as conn:
                existing = self.find(sha256)
                if existing:
                    return existing
                self.check_embedding_model(embedding_model)
                index = self._current_index()
                if index is None:
                    index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
                with self._transaction(conn):
                    cursor = conn.execute(
                        "INSERT INTO documents (sha256, name, type, pages, chunks, size, added, note) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (sha256, name, kind, pages, len(chunks), len(original), added, note),
                    )
                    doc_id = cursor.lastrowid
                    start = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM chunks").fetchone()[0]
                    ids = np.arange(start, start + len(chunks), dtype="int64")
                    conn.executemany(
                        "INSERT INTO chunks (id, document_id, ordinal, page, text) VALUES (?, ?, ?, ?, ?)",
                        [(int(i), doc_id, c.ordinal, c.page, c.text) for i, c in zip(ids, chunks, strict=True)],
                    )
                    conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('embedding_model', ?), ('dimension', ?)",
                        (embedding_model, str(vectors.shape[1])),
                    )
                    index.add_with_ids(np.ascontiguousarray(vectors, dtype="float32"), ids)
                    self._save_index(index)
        except BaseException:
            if not stored_before and self.find(sha256) is None:
                stored.unlink(missing_ok=True)
            raise
        return DocumentRecord(name, sha256, kind, pages, len(chunks), len(original), added, note)

    def delete_document(self, sha256: str) -> DocumentRecord | None:
        """Remove a document's rows, vectors and stored original together; None if absent.

        Same ordering as ``add_document``: a crash after the index is renamed but before the commit
        leaves rows without vectors, which ``_reconcile`` deletes on the next open, finishing the job.
        """
        with self._write_lock(), self._connect() as conn:
            record = self.find(sha256)
            if record is None:
                return None
            with self._transaction(conn):
                ids = [r[0] for r in conn.execute(
                    "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.sha256 = ?",
                    (sha256,),
                )]
                conn.execute("DELETE FROM documents WHERE sha256 = ?", (sha256,))
                index = self._current_index()
                if index is not None and ids:
                    index.remove_ids(np.array(ids, dtype="int64"))
                    self._save_index(index)
        (self.uploads_dir / sha256).unlink(missing_ok=True)
        return record
