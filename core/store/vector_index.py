"""The FAISS half of the library: an ``IndexIDMap2`` keyed by chunk id, on disk in one file.

No pickle: the file is written with ``faiss.write_index`` through a temp file and a rename,
and read again whenever its stamp (mtime, size) changes, so a document another process
added is searchable here without a restart.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from core.store.files import atomic_write


class VectorIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._index = None
        self._stamp: tuple[int, int] | None = None

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def current(self):
        """The in-memory index, re-read when another process or instance replaced the file."""
        import faiss

        with self._lock:
            stamp = self._file_stamp()
            if stamp != self._stamp or (self._index is None and stamp is not None):
                self._index = faiss.read_index(str(self.path)) if stamp else None
                self._stamp = stamp
            return self._index

    def forget(self) -> None:
        """Drop the in-memory copy (after a rolled-back write) so the next use re-reads the file."""
        with self._lock:
            self._index, self._stamp = None, None

    @staticmethod
    def empty(dimension: int):
        import faiss

        return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def save(self, index) -> None:
        import faiss

        with self._lock:
            atomic_write(self.path, lambda tmp: faiss.write_index(index, str(tmp)))
            self._index = index
            self._stamp = self._file_stamp()

    @staticmethod
    def ids(index) -> set[int]:
        import faiss

        return set(faiss.vector_to_array(index.id_map).tolist()) if index is not None else set()

    def count(self) -> int:
        index = self.current()
        return 0 if index is None else int(index.ntotal)

    def search(self, query_vector: np.ndarray, k: int, allowed: list[int] | None = None) -> list[tuple[int, float]]:
        """(chunk id, cosine) of the nearest vectors; ``allowed`` limits the search to those ids
        (a collection filter) inside FAISS, so k results come back even when most ids are excluded."""
        import faiss

        index = self.current()
        if index is None or index.ntotal == 0 or (allowed is not None and not allowed):
            return []
        query = np.asarray(query_vector, dtype="float32").reshape(1, -1)
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype="int64")))
        with self._lock:
            scores, ids = index.search(query, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine of the query with the stored vectors of ``ids`` (a lookup by id, no search)."""
        index = self.current()
        if index is None or not ids:
            return {}
        query = np.asarray(query_vector, dtype="float32").reshape(-1)
        out: dict[int, float] = {}
        with self._lock:
            for i in ids:
                try:
                    out[i] = float(index.reconstruct(int(i)) @ query)
                except RuntimeError:  # removed meanwhile
                    continue
        return out
