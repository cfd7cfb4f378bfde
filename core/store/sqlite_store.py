"""The library: SQLite holds documents and chunk text, a FAISS ``IndexIDMap2`` holds vectors
keyed by chunk id. No pickle anywhere: FAISS is written with ``faiss.write_index``.

Rows are the source of truth. The SQLite commit is the one commit point: the index file and the
originals are staged before it and published after it (``core.store.index_file``,
``core.store.originals``), so a crash at any point leaves the committed state or the one before,
and ``_reconcile`` finishes or discards what a dead writer left. Vectors are derived data: when
the index file is missing or not the committed one, nothing is deleted; the chunks without
vectors are listed by ``missing_vectors`` and rebuilt from their text (``DocChat.repair``).
A file lock serialises writers across processes (app + CLI); readers compare the committed
checksum on each use, so new documents appear without a restart.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.store import migrations, rows, rules
from core.store.base import StoreStats
from core.store.common_terms import CommonTerms
from core.store.files import make_private
from core.store.fts import keyword_scores
from core.store.keyword_query import KeywordQuery
from core.store.originals import Originals
from core.store.records import Chunk, DocumentRecord, Hit, NewDocument
from core.store.scope import Scope
from core.store.sentence_vectors import best_sentences
from core.store.sqlite_chats import SqliteChats
from core.store.sqlite_commit import SqliteCommits
from core.store.vector_index import VectorIndex, remove_ids

if TYPE_CHECKING:
    import faiss


class SqliteStore(SqliteCommits):
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        make_private(self.data_dir)
        self.db_path = self.data_dir / "library.sqlite"
        self.index_path = self.data_dir / "index.faiss"
        self.uploads_dir = self.data_dir / "uploads"
        self._lock = threading.RLock()
        self._vectors = VectorIndex(self.index_path)
        self._originals = Originals(self.uploads_dir, self.data_dir / "unlisted")
        self._common_terms = CommonTerms()
        self.chats = SqliteChats(self._connect)
        with self._write_lock():
            with self._connect() as conn:
                migrations.migrate(conn)
            for name in ("library.sqlite", "library.sqlite-wal", "library.sqlite-shm", "library.lock"):
                make_private(self.data_dir / name)
            self._reconcile()

    # -- reading ---------------------------------------------------------------------------
    def documents(self, collections: list[str] | None = None) -> list[DocumentRecord]:
        where, params = rows.in_scope(Scope.of(collections))
        with self._connect() as conn:
            return rows.documents(conn, f"{where} ORDER BY added, id", params)

    def collections(self) -> list[str]:
        """Every collection in use, by name ("" is the documents with none)."""
        with self._connect() as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT collection FROM documents ORDER BY collection")]

    def find(self, sha256: str) -> DocumentRecord | None:
        """One indexed lookup (every ingest asks this first), not a scan of the whole library."""
        with self._connect() as conn:
            return next(iter(rows.documents(conn, "WHERE sha256 = ?", [sha256])), None)

    def find_by_name(self, name: str) -> DocumentRecord | None:
        """The newest document with this file name: an upload with the same name and other bytes
        is a new version of it."""
        with self._connect() as conn:
            return next(iter(rows.documents(conn, "WHERE name = ? ORDER BY id DESC LIMIT 1", [name])), None)

    def original(self, sha256: str) -> bytes | None:
        """The uploaded file as it was, for download; stored by hash, never by the user's name."""
        path = self._originals.path(sha256)
        return path.read_bytes() if path else None

    def missing_originals(self) -> list[DocumentRecord]:
        """Documents whose stored original is gone: reported, never dropped (their passages stay
        searchable; only download and read-again need the file)."""
        with self._connect() as conn:
            gone = self._originals.missing({r[0] for r in conn.execute("SELECT sha256 FROM documents")})
            return rows.documents(conn, "WHERE sha256 IN (SELECT value FROM json_each(?)) ORDER BY added, id",
                                  [json.dumps(sorted(gone))]) if gone else []

    def faiss_index(self) -> faiss.Index | None:
        """The FAISS index the committed rows name, every vector present: what ``export`` reads
        and what benchmarks search raw against the product. Raises when vectors are missing
        (``DocChat.repair`` first)."""
        if missing := self.missing_vectors():
            raise RuntimeError(f"{len(missing)} passages have no vectors; rebuild them first")
        return self._current()

    def export(self) -> Iterator[tuple[DocumentRecord, NewDocument | None]]:
        from core.store.sqlite_export import exported

        return exported(self)

    def sentence_vectors(self, ids: list[int], dimension: int) -> list[np.ndarray | None]:
        """The stored sentence vectors of chunks ``ids``, in their order (None: a chunk without any)."""
        with self._connect() as conn:
            return rows.sentence_vectors(conn, ids, dimension)

    def stats(self) -> StoreStats:
        with self._connect() as conn:
            documents, chunks, text = rows.text_bytes(conn)
        files = [self.index_path, *sorted(self.data_dir.glob("library.sqlite*"))]
        return StoreStats(documents, chunks, self.vector_count(), text,
                          {p.name: p.stat().st_size for p in files if p.exists()})

    def close(self) -> None:
        """Nothing held open: each call opens its own SQLite connection."""

    def restore_original(self, sha256: str, data: bytes) -> bool:
        """An upload of the same bytes puts back a listed document's missing original."""
        with self._write_lock():
            if self.find(sha256) is None or self._originals.path(sha256) is not None:
                return False
            self._originals.stage(sha256, data)
            self._originals.publish(sha256)
            return True

    def missing_vectors(self) -> list[int]:
        """Chunk ids without a vector in the committed index (it was deleted, damaged or replaced,
        or the library predates it): ``DocChat.repair`` embeds their stored text again."""
        with self._connect() as conn:
            row_ids = {r[0] for r in conn.execute("SELECT id FROM chunks")}
        return sorted(row_ids - self._vectors.ids(self._current()))

    @property
    def defers_vectors(self) -> bool:
        """Chunk rows live apart from the FAISS index here, so a chunk may wait for its vector."""
        return True

    def pending_documents(self) -> dict[str, tuple[int, int]]:
        """One pass over the chunk ids (cheap next to any search) against the committed index."""
        if not (missing := set(self.missing_vectors())):  # the common case, without the join over every chunk
            return {}
        with self._connect() as conn:
            return rows.pending(conn, missing)

    def is_empty(self) -> bool:
        """Asked before every search: one row lookup, where COUNT(*) would scan the table."""
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is None

    def chunk_count(self) -> int:
        with self._connect() as conn:
            return conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def vector_count(self) -> int:
        return self._vectors.count(self._current())

    def search(self, query_vector: np.ndarray, k: int, scope: Scope | None = None) -> list[Hit]:
        """Nearest chunks by cosine similarity (vectors are normalised, the index is inner product);
        a scope becomes FAISS's id selector, so the search itself skips what it leaves out."""
        with self._connect() as conn:
            allowed = rows.chunk_ids(conn, scope)
        return self._hits(self._vectors.search(self._current(), query_vector, k, allowed))

    def similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine of the query with the stored vectors of ``ids`` (no search, a lookup by id)."""
        return self._vectors.similarities(self._current(), query_vector, ids)

    def sentence_similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Each chunk's best sentence cosine; chunks without sentence vectors are left out."""
        if not ids:
            return {}
        with self._connect() as conn:
            return best_sentences(query_vector, rows.sentence_blobs(conn, ids))

    def keyword_search(self, query: KeywordQuery, k: int, scope: Scope | None = None) -> list[Hit]:
        """BM25 over the two FTS5 indexes (``core.store.fts``), common words left out (decision 006)."""
        where, params = rows.in_scope(scope)
        with self._connect() as conn:
            query = self._common_terms.leave_out(conn, query)
            return self._hits(keyword_scores(conn, query, k, where or None, params))

    def _hits(self, found: list[tuple[int, float]]) -> list[Hit]:
        if not found:
            return []
        with self._connect() as conn:
            stored = conn.execute(f"SELECT {rules.HIT_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id "
                                  f"WHERE c.id IN ({','.join('?' * len(found))})", [i for i, _ in found]).fetchall()
        return rules.hits(found, stored)

    def document_chunks(self, sha256: str) -> list[tuple[int, Chunk]]:
        with self._connect() as conn:
            return rows.document_chunks(conn, sha256)

    def chunk_texts(self, ids: list[int] | None = None) -> list[tuple[int, str, str | None]]:
        """Chunks' id, text and heading, for re-indexing: every chunk, or those of ``ids`` (read in
        one pass over the table, so any number of ids costs no SQL variables)."""
        with self._connect() as conn:
            stored = conn.execute("SELECT id, text, heading FROM chunks ORDER BY id")
            wanted = None if ids is None else set(ids)
            return [(r[0], r[1], r[2]) for r in stored if wanted is None or r[0] in wanted]

    # -- writing ---------------------------------------------------------------------------
    def check_embedding_model(self, name: str) -> None:
        rules.check_model(self.meta("embedding_model"), name, not self.is_empty())

    def add_documents(self, new: list[NewDocument], added: str | None = None) -> list[DocumentRecord]:
        """One transaction and one index write for the batch (bulk imports, evals). Originals are
        staged first, under the write lock, and published with the index after the commit; a
        failure discards them."""
        model = rules.checked_model(new)
        records: list[DocumentRecord] = []
        replaced: list[str] = []
        added = added or rules.now()
        with self._write_lock(), self._connect() as conn:
            if model is not None:
                self.check_embedding_model(model)
            self._reconcile()  # another process may have died mid-write since this one last looked
            staged = [doc.sha256 for doc in new if self._originals.stage(doc.sha256, doc.original)]
            index = self._vectors.working_copy(self._current())
            with self._transaction(conn, staged):
                start = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM chunks").fetchone()[0]
                for doc in new:
                    existing = self.find(doc.sha256)  # committed state: a read again replaces itself
                    if existing and doc.replaces != doc.sha256:
                        records.append(existing)
                        continue
                    if doc.replaces and (gone := rows.remove_rows(conn, doc.replaces)) is not None:
                        replaced.append(doc.replaces)
                        if index is not None and gone:
                            remove_ids(index, gone)
                    ids = rows.insert_document(conn, doc, added, start)
                    start += len(ids)
                    records.append(rules.record(doc, added))
                    if doc.vectors is None:  # keyword-first: the background embedder adds them
                        rows.record_model_name(conn, doc.embedding_model)
                        continue
                    if index is None or (index.ntotal == 0 and index.d != doc.vectors.shape[1]):
                        index = self._vectors.empty(doc.vectors.shape[1])  # first, or a new model
                    index.add_with_ids(np.ascontiguousarray(doc.vectors, dtype="float32"), ids)
                    rows.record_model(conn, doc.embedding_model, doc.vectors.shape[1])
                if index is not None:
                    self._stage(conn, index)
            for sha in set(replaced) - {doc.sha256 for doc in new}:
                self._originals.remove(sha)
        return records

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
            rules.check_unchanged({row[0] for row in conn.execute("SELECT id FROM chunks")}, ids)
            index = self._vectors.empty(vectors.shape[1])
            if len(ids):
                index.add_with_ids(np.ascontiguousarray(vectors, dtype="float32"), ids.astype("int64"))
            with self._transaction(conn):
                conn.execute("DELETE FROM chunk_sentences")  # the old model's, or another dimension
                rows.insert_sentences(conn, ids, sentences)
                rows.record_model(conn, embedding_model, vectors.shape[1])
                self._stage(conn, index)

    def add_vectors(self, vectors: np.ndarray, ids: np.ndarray,
                    sentences: list[np.ndarray | None] | None = None) -> int:
        """Put back the vectors of chunks that lack them (``missing_vectors``), embedded again from
        their text with the library's model; chunks deleted or given vectors meanwhile are skipped.
        Returns how many were added."""
        with self._write_lock(), self._connect() as conn:
            self._reconcile()
            index = self._current()
            still = set(self.missing_vectors())
            keep = [n for n, i in enumerate(ids.tolist()) if i in still]
            if not keep:
                return 0
            index = self._vectors.working_copy(index, vectors.shape[1])
            kept_ids = ids[keep].astype("int64")
            index.add_with_ids(np.ascontiguousarray(vectors[keep], dtype="float32"), kept_ids)
            with self._transaction(conn):
                if sentences is not None:
                    conn.executemany("DELETE FROM chunk_sentences WHERE chunk_id = ?", [(int(i),) for i in kept_ids])
                    rows.insert_sentences(conn, kept_ids, [sentences[n] for n in keep])
                self._stage(conn, index)
        return len(keep)

    def delete_document(self, sha256: str) -> DocumentRecord | None:
        """Remove a document's rows, vectors and stored original together; None if absent.
        Rows and vectors go in one commit; the original right after it, still under the lock."""
        with self._write_lock(), self._connect() as conn:
            record = self.find(sha256)
            if record is None:
                return None
            self._reconcile()
            index = self._vectors.working_copy(self._current())
            with self._transaction(conn):
                gone = rows.remove_rows(conn, sha256) or []
                if index is not None:
                    remove_ids(index, gone)
                    self._stage(conn, index)
            self._originals.remove(sha256)  # under the lock: a re-upload of these bytes waits for it
        return record
