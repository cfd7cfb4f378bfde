"""Two processes, one library (issue 7): the app keeps its library open in its process while
``python -m core ingest`` adds files from another, and two CLI ingests may run at the same time.

The app side is a ``DocChat`` in this test process (what ``ui.resources.docchat`` holds for the
pages); the other writers are real subprocesses, so the file lock and the index reload by file
stamp are exercised across processes, not between two objects of one process.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from core.service import DocChat
from core.settings import Settings
from core.store.records import DocumentRecord
from core.store.sqlite_store import SqliteStore
from tests.integration.topics import TOPICS as ALL_TOPICS
from tests.integration.topics import write_topic_files

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
MODEL = "all-MiniLM-L6-v2"
TIMEOUT_S = 180

# One file per topic: the first sentence is the one its question finds.
TOPICS = {name: ALL_TOPICS[name] for name in list(ALL_TOPICS)[:5]}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Small text files of a few chunks each, every one about its own topic."""
    return write_topic_files(tmp_path / "files", TOPICS, notes=12)


def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, embedding_model=MODEL, chunk_size=300, chunk_overlap=30, k=3)


def cli_ingest(tmp_path: Path, data_dir: Path, paths: list[Path]) -> subprocess.Popen:
    """``python -m core ingest`` with the same settings as ``settings`` (the library refuses another model)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCCHAT_")}
    env.update(DOCCHAT_SETTINGS=str(tmp_path / "no-settings.toml"), DOCCHAT_EMBEDDING_MODEL=MODEL,
               DOCCHAT_CHUNK_SIZE="300", DOCCHAT_CHUNK_OVERLAP="30")
    return subprocess.Popen([sys.executable, "-m", "core", "--data-dir", str(data_dir), "ingest", *map(str, paths)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=TIMEOUT_S)
    assert process.returncode == 0, f"{out}\n{err[-3000:]}"
    return out


def consistent(data_dir: Path) -> list[DocumentRecord]:
    """A fresh open (as after a restart): both halves hold the same chunk ids, each once, and
    every document has the rows it lists."""
    import faiss

    library = SqliteStore(data_dir)
    with closing(sqlite3.connect(data_dir / "library.sqlite")) as conn:
        chunk_ids = sorted(r[0] for r in conn.execute("SELECT id FROM chunks"))
        rows = dict(conn.execute("SELECT d.sha256, COUNT(c.id) FROM documents d "
                                 "LEFT JOIN chunks c ON c.document_id = d.id GROUP BY d.id"))
    index = faiss.read_index(str(data_dir / "index.faiss"))
    assert sorted(faiss.vector_to_array(index.id_map).tolist()) == chunk_ids
    docs = library.documents()
    assert all(rows[d.sha256] == d.chunks for d in docs)
    return docs


def test_the_open_app_finds_what_the_cli_adds_without_a_restart(tmp_path, files, real_embeddings):
    data = tmp_path / "data"
    app = DocChat(settings(data), embeddings=real_embeddings)
    assert app.ingest_paths([files["lighthouse.txt"]])[0].ok
    assert app.search(TOPICS["lighthouse.txt"][1])[0].source == "lighthouse.txt"  # index now in memory

    cli = cli_ingest(tmp_path, data, [files["glassworks.txt"], files["orchard.txt"]])
    searches = 0
    while cli.poll() is None:  # the app keeps answering while the other process writes
        hits = app.search(TOPICS["lighthouse.txt"][1])
        assert hits and hits[0].source == "lighthouse.txt"
        searches += 1
        time.sleep(0.05)
    finished(cli)
    assert searches > 0

    for name in ("glassworks.txt", "orchard.txt"):
        hits = app.search(TOPICS[name][1])
        assert hits and hits[0].source == name, f"the app does not see {name} the CLI added: {hits}"
    assert [d.name for d in app.store.documents()] == ["lighthouse.txt", "glassworks.txt", "orchard.txt"]
    assert app.store.vector_count() == app.store.chunk_count()

    # and back: the app adds a file while the library holds the CLI's; a fresh process sees all four
    assert app.ingest_paths([files["bakery.txt"]])[0].ok
    assert len(consistent(data)) == 4


def test_two_cli_ingests_at_once_leave_a_consistent_library(tmp_path, files, real_embeddings):
    """Both start on a library that does not exist yet, and both bring the same shared file."""
    data = tmp_path / "data"
    shared = files["lighthouse.txt"]
    first = cli_ingest(tmp_path, data, [files["glassworks.txt"], shared, files["orchard.txt"]])
    second = cli_ingest(tmp_path, data, [files["observatory.txt"], shared, files["bakery.txt"]])
    outputs = [finished(first), finished(second)]
    assert all(line.startswith("ok") for out in outputs for line in out.splitlines())

    docs = consistent(data)
    assert sorted(d.name for d in docs) == sorted(TOPICS), "each file once, the shared one too"
    app = DocChat(settings(data), embeddings=real_embeddings)
    for name, (_topic, question) in TOPICS.items():
        hits = app.search(question)
        assert hits and hits[0].source == name, f"{question!r} found {[h.source for h in hits]}"
