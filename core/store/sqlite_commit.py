"""The SQLite library's commit protocol: connections, the cross-process write lock, the one
transaction that commits rows, the FAISS index file and the originals together, and the recovery
that finishes or discards what a writer that died left. ``SqliteStore`` reads and writes through it;
the why of the protocol is in ``core.store.sqlite_store``'s docstring and decision 008.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.store import migrations
from core.store.index_file import CHECKSUM_KEY
from core.store.originals import Originals
from core.store.vector_index import VectorIndex, remove_ids

if TYPE_CHECKING:
    import faiss


class SqliteCommits:
    data_dir: Path
    db_path: Path
    index_path: Path
    _lock: threading.RLock
    _vectors: VectorIndex
    _originals: Originals

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
    def _transaction(self, conn: sqlite3.Connection, originals: Sequence[str] = ()) -> Iterator[None]:
        """Rows change in the transaction, and the caller stages the index in it (``_stage``); the
        commit comes last, then the staged index and ``originals`` are published. On any failure
        the rows roll back and what was staged is discarded."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            self._vectors.discard()
            for sha in originals:
                self._originals.discard(sha)
            raise
        self._vectors.publish()
        for sha in originals:
            self._originals.publish(sha)

    def _stage(self, conn: sqlite3.Connection, index: Any) -> None:
        """Inside ``_transaction``: write ``index`` as the next version and name it in the rows."""
        checksum = self._vectors.stage(index)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (CHECKSUM_KEY, checksum))

    def _committed(self) -> str | None:
        """The checksum of the index the committed rows name (None: a library from before them)."""
        return self.meta(CHECKSUM_KEY)

    def _current(self) -> faiss.Index | None:
        """The committed index. A reader that read the checksum just before another thread's
        commit finds the file already replaced: it asks again rather than call it untrusted."""
        for _ in range(3):
            committed = self._committed()
            index = self._vectors.current(committed)
            if not self._vectors.untrusted or self._committed() == committed:
                break
        return index

    def _reconcile(self) -> None:
        """Under the write lock, at open and before every write: finish or discard what a writer
        that died left (staged index, pending originals, temp files); adopt the index of a library
        from before checksums. Deletes no document, whatever the index holds."""
        committed = self._committed()
        self._vectors.file.settle(committed)
        with self._connect() as conn:
            listed = {r[0] for r in conn.execute("SELECT sha256 FROM documents")}
        self._originals.settle(listed)
        if committed is None and self.index_path.exists():
            self._adopt_unchecked_index()

    def _adopt_unchecked_index(self) -> None:
        """A library from before checksums: keep the vectors of chunks that exist (a crash there
        could leave vectors without rows), record the file's checksum; chunks it lacks are rebuilt."""
        index = self._vectors.current(None)
        with self._connect() as conn:
            row_ids = {r[0] for r in conn.execute("SELECT id FROM chunks")}
            work = self._vectors.working_copy(index)
            if work is not None and (orphans := self._vectors.ids(work) - row_ids):
                remove_ids(work, sorted(orphans))
            with self._transaction(conn):
                if work is None:
                    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '')", (CHECKSUM_KEY,))
                else:
                    self._stage(conn, work)

    def meta(self, key: str) -> str | None:
        with self._connect() as conn:
            return migrations.meta(conn, key)
