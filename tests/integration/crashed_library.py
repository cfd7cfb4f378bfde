"""A crashed library, checked from its files (issue 7): open it as the app would (that runs its crash
recovery), then FAISS must hold exactly the chunk ids SQLite holds, each listed document has the
rows it claims, its vectors find it, its full text is indexed and its stored original has its hash.
Shared by the two crash test files: test_crash_kills.py (the real CLI killed at random moments)
and test_crash_points.py (killed right after each step of a store).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from core.store.records import DocumentRecord
from core.store.sqlite_store import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
FILES_IN_DATA_DIR = {"library.sqlite", "library.sqlite-wal", "library.sqlite-shm", "index.faiss", "library.lock",
                     "uploads", "embedding.lock"}
RUN_TIMEOUT_S = 180


def check_library(data_dir: Path) -> list[DocumentRecord]:
    """Open the library as the app would (that runs its crash recovery) and check that its two
    halves agree; returns the documents it lists."""
    import faiss
    import numpy as np

    library = SqliteStore(data_dir)
    docs = library.documents()
    assert library.vector_count() == library.chunk_count(), "FAISS and SQLite disagree on the chunk count"
    with closing(sqlite3.connect(data_dir / "library.sqlite")) as conn:
        rows = dict(conn.execute("SELECT d.sha256, COUNT(c.id) FROM documents d "
                                 "LEFT JOIN chunks c ON c.document_id = d.id GROUP BY d.id"))
        first_chunk = dict(conn.execute("SELECT d.sha256, MIN(c.id) FROM documents d "
                                        "JOIN chunks c ON c.document_id = d.id GROUP BY d.id"))
        chunk_ids = sorted(r[0] for r in conn.execute("SELECT id FROM chunks"))
        # rank 1: also compare the full-text indexes with the chunk rows they are built from
        conn.execute("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('integrity-check', 1)")
        conn.execute("INSERT INTO chunks_trigram (chunks_trigram, rank) VALUES ('integrity-check', 1)")
    index_file = data_dir / "index.faiss"
    index = faiss.read_index(str(index_file)) if index_file.exists() else None
    vector_ids = sorted(faiss.vector_to_array(index.id_map).tolist()) if index is not None else []
    assert vector_ids == chunk_ids, "the index must hold each chunk id exactly once, and no other"
    for doc in docs:
        assert rows[doc.sha256] == doc.chunks > 0, f"{doc.name} lists {doc.chunks} chunks, has {rows[doc.sha256]}"
        vector = np.asarray(index.reconstruct(int(first_chunk[doc.sha256])))
        assert library.search(vector, 1)[0].sha256 == doc.sha256, f"{doc.name}'s vectors do not find it"
        original = library.uploads_dir / doc.sha256
        assert hashlib.sha256(original.read_bytes()).hexdigest() == doc.sha256, f"{doc.name}'s original"
    unexpected = [p.name for p in data_dir.iterdir() if p.name not in FILES_IN_DATA_DIR and not is_temp(p)]
    assert not unexpected, f"files a crash should not leave: {unexpected}"
    return docs


def is_temp(path: Path) -> bool:
    """An ``atomic_write`` temp file: nothing ever reads one, so a leftover costs disk, not data."""
    return path.name.startswith(".") and path.name.endswith(".tmp")


def leftovers(data_dir: Path) -> list[str]:
    """Temp files and stored originals that no listed document owns."""
    owned = {d.sha256 for d in SqliteStore(data_dir).documents()}
    temps = [p.name for p in data_dir.iterdir() if is_temp(p)]
    uploads = data_dir / "uploads"
    strays = [f"uploads/{p.name}" for p in uploads.iterdir() if p.name not in owned] if uploads.is_dir() else []
    return temps + strays


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``python -m core`` run: no DOCCHAT_* of the test run, no settings file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCCHAT_")}
    env.update({"DOCCHAT_SETTINGS": str(tmp_path / "no-settings.toml"), "DOCCHAT_EMBEDDING_MODEL": "all-MiniLM-L6-v2"})
    env.update(extra)
    return env
