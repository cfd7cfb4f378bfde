"""Faults injected into the embedded library (issue 15): each one loses no committed document,
search answers correctly afterwards, and what is missing is reported in one sentence.

The index file is derived data: deleted, truncated, an older copy or another library's, it is
never trusted and never a reason to delete rows; its vectors are rebuilt from the stored text."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from core.ingest.records import Chunk
from core.service import DocChat
from core.store.sqlite_store import SqliteStore
from tests.store_helpers import add_document

TOPICS = {
    "lighthouse.txt": "The lighthouse keeper climbs one hundred and twelve steps to light the lamp at dusk.",
    "orchard.txt": "The orchard grows thirty apple trees and four pear trees beside the river.",
    "violin.txt": "A violin has four strings tuned in fifths: G, D, A and E.",
}


@pytest.fixture
def library_app(app: DocChat) -> DocChat:
    for name, text in TOPICS.items():
        assert app.ingest_file(name, ((text + "\n") * 3).encode()).ok
    assert app.store.missing_vectors() == []
    return app


def _reopened(app: DocChat) -> DocChat:
    """The same data folder opened by a new process (a fresh app with the same settings)."""
    return DocChat(app.settings, embeddings=app.embeddings)


def _vectors_by_id(app: DocChat) -> dict[int, np.ndarray]:
    index = app.store._current()
    ids = sorted(app.store._vectors.ids(index))
    return {i: np.asarray(index.reconstruct(i)) for i in ids}


def _answers_as_before(app: DocChat, before: dict[int, np.ndarray]) -> None:
    """The rebuilt vectors are the ones the chunks had, and each finds its own chunk first."""
    after = _vectors_by_id(app)
    for chunk_id, vector in before.items():
        np.testing.assert_allclose(after[chunk_id], vector, atol=1e-6)
        assert app.store.search(vector, k=1)[0].chunk_id == chunk_id


def _index(app: DocChat) -> Path:
    return app.settings.data_dir / "index.faiss"


def _damage_delete(app: DocChat) -> None:
    _index(app).unlink()


def _damage_truncate(app: DocChat) -> None:
    data = _index(app).read_bytes()
    _index(app).write_bytes(data[: len(data) // 2])


def _damage_other_library(app: DocChat) -> None:
    other = DocChat(app.settings.with_data_dir(app.settings.data_dir.parent / "other"), embeddings=app.embeddings)
    assert other.ingest_file("other.txt", b"Something else entirely, about tides and moons.\n").ok
    shutil.copy(_index(other), _index(app))


def _damage_same_size_rewrite(app: DocChat) -> None:
    """Same size, same mtime, other vectors: what a stamp of (mtime, size) could not see."""
    before = _index(app).stat()
    data = bytearray(_index(app).read_bytes())
    data[-8:] = bytes(8)
    _index(app).write_bytes(bytes(data))
    os.utime(_index(app), ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize("damage", [_damage_delete, _damage_truncate, _damage_other_library,
                                    _damage_same_size_rewrite], ids=lambda f: f.__name__.removeprefix("_damage_"))
def test_a_damaged_index_loses_no_document_and_is_rebuilt(library_app: DocChat, damage) -> None:
    before = _vectors_by_id(library_app)
    damage(library_app)
    app = _reopened(library_app)
    assert sorted(d.name for d in app.store.documents()) == sorted(TOPICS)
    chunks = app.store.chunk_count()
    assert len(app.store.missing_vectors()) == chunks
    assert app.search("violin strings", k=1, mode="keyword")[0].source == "violin.txt"  # rows answer meanwhile
    assert app.ingest_file("later.txt", b"A later note about bicycles.\n").ok  # a write deletes nothing either
    assert sorted(d.name for d in app.store.documents()) == sorted([*TOPICS, "later.txt"])
    assert app.repair() == chunks
    assert app.store.missing_vectors() == [] and app.store.vector_count() == app.store.chunk_count()
    _answers_as_before(app, before)
    assert sorted(p.name for p in (app.settings.data_dir / "uploads").iterdir()) == sorted(
        d.sha256 for d in app.store.documents())


def test_an_index_put_back_from_an_older_backup_is_not_trusted(library_app: DocChat) -> None:
    older = _index(library_app).read_bytes()
    doc = library_app.store.documents()[-1]
    library_app.delete(doc.sha256)  # its chunk ids are reused by the next document
    assert library_app.ingest_file("reused.txt", b"Chunk ids reused by a note about bread and yeast.\n").ok
    reused = _vectors_by_id(library_app)
    _index(library_app).write_bytes(older)
    app = _reopened(library_app)
    app.repair()
    _answers_as_before(app, reused)  # an older index would map the reused ids to the deleted text


def test_the_open_app_notices_a_same_size_rewrite_by_checksum(library_app: DocChat) -> None:
    before = _vectors_by_id(library_app)  # the index is in memory now
    _damage_same_size_rewrite(library_app)
    other = _reopened(library_app)  # another process rewrites the index file
    assert other.store.missing_vectors()
    other.repair()
    _answers_as_before(library_app, before)


def test_a_deleted_original_is_reported_and_kept_listed(library_app: DocChat) -> None:
    doc = library_app.store.documents()[0]
    (library_app.settings.uploads_dir / doc.sha256).unlink()
    app = _reopened(library_app)
    assert app.ingest_file("another.txt", b"Another note about sails.\n").ok  # a write sweeps nothing listed
    assert [d.name for d in app.store.missing_originals()] == [doc.name]
    assert doc.name in [d.name for d in app.store.documents()]
    assert app.search("lighthouse keeper steps", k=1)[0].source == doc.name


def test_an_original_no_row_lists_is_moved_aside_not_deleted(library_app: DocChat) -> None:
    stray = library_app.settings.uploads_dir / ("ab" * 32)
    stray.write_bytes(b"a document an older library.sqlite does not know")
    _reopened(library_app).store.documents()
    assert not stray.exists()
    assert (library_app.settings.data_dir / "unlisted" / stray.name).read_bytes().startswith(b"a document")


@pytest.mark.integration
def test_a_library_of_many_chunks_without_its_index_opens(tmp_path: Path) -> None:
    """Over SQLite's 32,766 bound variables: the old crash recovery failed to open it at all."""
    library = SqliteStore(tmp_path)
    count = 33_000
    vectors = np.zeros((count, 4), dtype="float32")
    vectors[:, 0] = 1.0
    add_document(library, name="big.txt", sha256="f" * 64, kind="txt", pages=None, original=b"x",
                         chunks=[Chunk(text=f"row {i}", page=None, ordinal=i) for i in range(count)],
                         vectors=vectors, embedding_model="fake")
    (tmp_path / "index.faiss").unlink()
    reopened = SqliteStore(tmp_path)
    assert reopened.documents()[0].chunks == count
    assert len(reopened.missing_vectors()) == count
    assert len(reopened.chunk_texts(reopened.missing_vectors()[:5])) == 5


def test_a_wal_left_by_a_killed_process_keeps_its_commits(tmp_path: Path) -> None:
    data = tmp_path / "data"
    script = (
        "import os, sqlite3, sys, numpy as np\n"
        "from core.ingest.records import Chunk\n"
        "from core.store.sqlite_store import SqliteStore\n"
        "from tests.store_helpers import add_document\n"
        "library = SqliteStore(sys.argv[1])\n"
        "held = sqlite3.connect(library.db_path)  # keeps the WAL from being checkpointed at close\n"
        "held.execute('SELECT 1 FROM documents').fetchall()\n"
        "add_document(library, name='kept.txt', sha256='a' * 64, kind='txt', pages=None, original=b'x',\n"
        "    chunks=[Chunk(text='kept', page=None, ordinal=0)], vectors=np.ones((1, 4), dtype='float32'),\n"
        "    embedding_model='fake')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(data)], check=True, cwd=Path(__file__).resolve().parents[3])
    assert (data / "library.sqlite-wal").stat().st_size > 0
    library = SqliteStore(data)
    assert [d.name for d in library.documents()] == ["kept.txt"]
    assert library.missing_vectors() == []


def test_a_published_index_is_never_changed_in_place(library_app: DocChat) -> None:
    """Searches in other threads hold the index they started with; writers change a copy."""
    library = library_app.store
    held = library._current()
    before = held.ntotal
    assert library_app.ingest_file("new.txt", b"A new note about kites.\n").ok
    assert held.ntotal == before
    library.delete_document(library.documents()[0].sha256)
    assert held.ntotal == before


MOVING = 2000  # chunks per moving document: big enough that a search overlaps each change


@pytest.mark.integration
def test_searches_during_adds_replaces_and_deletes_always_find_their_rows(app: DocChat) -> None:
    library = app.store
    vectors = np.eye(64, 32, dtype="float32")
    for n in range(4):
        add_document(library, name=f"stable{n}.txt", sha256=f"{n:064x}", kind="txt", pages=None, original=b"s",
                             chunks=[Chunk(text=f"stable {n}", page=None, ordinal=0)],
                             vectors=vectors[n:n + 1], embedding_model="fake")
    errors: list[str] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            for n in range(4):
                hits = library.search(vectors[n], k=3)
                if not hits or hits[0].text != f"stable {n}":
                    errors.append(f"stable {n}: {hits[:1]}")

    def write() -> None:
        rng = np.random.default_rng(1)
        for round_ in range(12):
            sha = f"{1000 + round_:064x}"
            moving = rng.normal(size=(MOVING, 32)).astype("float32") * 0.01
            add_document(library, name="moving.txt", sha256=sha, kind="txt", pages=None, original=b"m",
                                 chunks=[Chunk(text=f"moving {i}", page=None, ordinal=i) for i in range(MOVING)],
                                 vectors=moving, embedding_model="fake",
                                 replaces=f"{1000 + round_ - 1:064x}" if round_ % 3 else "")
            if round_ % 5 == 4:
                library.delete_document(sha)

    readers = [threading.Thread(target=search) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        write()
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert not errors, errors[:5]
    assert library.missing_vectors() == [] and library.vector_count() == library.chunk_count()


def test_a_document_is_deleted_with_its_original_under_the_write_lock(library_app: DocChat, monkeypatch) -> None:
    from core.store.originals import Originals

    library = library_app.store
    seen: list[bool] = []
    real_remove = Originals.remove

    def remove(self, sha256: str) -> None:
        seen.append(library._lock._is_owned())  # noqa: SLF001 - the point of the test
        real_remove(self, sha256)

    monkeypatch.setattr(Originals, "remove", remove)
    library.delete_document(library.documents()[0].sha256)
    assert seen == [True]


def test_the_data_folder_is_private(library_app: DocChat) -> None:
    data = library_app.settings.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("library.sqlite", "library.sqlite-wal", "index.faiss"):
        if (data / name).exists():
            assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    for original in (data / "uploads").iterdir():
        assert stat.S_IMODE(original.stat().st_mode) == 0o600


def test_reading_the_index_runs_no_sql_per_vector(library_app: DocChat) -> None:
    """``chunk_texts(ids)`` reads any number of ids in one statement (no bound-variable limit)."""
    with sqlite3.connect(library_app.settings.data_dir / "library.sqlite") as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM chunks")]
    assert [r[0] for r in library_app.store.chunk_texts(ids + list(range(10**6, 10**6 + 40_000)))] == ids
