"""Exact crash points (issue 7): the real CLI with a fake embedder, so it starts in a second, kills
itself with SIGKILL right after each step of a store (original written, rows inserted, index written
to its temp file, index staged before the commit, committed before the index is published), so every
window is hit every run. After each crash the library must open and agree with itself
(``check_library``), keep every document it had listed, and running the same command again
finishes the job. test_crash_kills.py kills the real-model CLI at random moments instead.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.service import DocChat
from core.settings import Settings
from tests.integration.crashed_library import ROOT, RUN_TIMEOUT_S, check_library, cli_env, leftovers

pytestmark = pytest.mark.integration

# Run as `python -c CRASHING_CLI ARGS...`: the real CLI with a fake embedder (no torch, starts in
# ~1 s) that SIGKILLs itself right after the CRASH_NTH call of the store step named by CRASH_AT.
CRASHING_CLI = """
import os, signal, sys
from langchain_core.embeddings import DeterministicFakeEmbedding
import core.embeddings, core.store.index_file as index_file
import core.store.originals as originals, core.store.rows as rows, core.store.vector_index as vector_index

calls = 0
def crash_on_nth():
    global calls
    calls += 1
    if calls == int(os.environ["CRASH_NTH"]):
        os.kill(os.getpid(), signal.SIGKILL)

def then_crash(step):
    def wrapped(*args, **kwargs):
        out = step(*args, **kwargs)
        crash_on_nth()
        return out
    return wrapped

def crash_first(step):
    def wrapped(*args, **kwargs):
        crash_on_nth()
        return step(*args, **kwargs)
    return wrapped

def write_then_crash(target, write):
    def write_tmp(tmp):
        write(tmp)
        crash_on_nth()
    return real_atomic_write(target, write_tmp)

point = os.environ.get("CRASH_AT", "")
if point == "original written":
    originals.atomic_write_bytes = then_crash(originals.atomic_write_bytes)
elif point == "rows inserted":
    rows.insert_document = then_crash(rows.insert_document)  # SqliteStore calls it as rows.insert_document
elif point == "index written, not renamed":
    real_atomic_write = index_file.atomic_write
    index_file.atomic_write = write_then_crash
elif point == "index staged, not committed":
    vector_index.VectorIndex.stage = then_crash(vector_index.VectorIndex.stage)
elif point == "committed, not published":
    vector_index.VectorIndex.publish = crash_first(vector_index.VectorIndex.publish)
elif point == "vectors committed":  # by the background embedder, a batch of 4 at a time
    import core.ingest.background as background, core.store.sqlite_store as sqlite_store
    background.COMMIT_CHUNKS = 4
    sqlite_store.SqliteStore.add_vectors = then_crash(sqlite_store.SqliteStore.add_vectors)
elif point:
    sys.exit(f"unknown CRASH_AT {point!r}")
core.embeddings.load_embeddings = lambda name: DeterministicFakeEmbedding(size=32)
from core.cli import main
sys.exit(main(sys.argv[1:]))
"""
STORE_STEPS = ["original written", "rows inserted", "index written, not renamed", "index staged, not committed"]


def crashing_cli(tmp_path: Path, data: Path, *args: str, crash_at: str = "", nth: int = 1
                 ) -> subprocess.CompletedProcess:
    """``python -m core ARGS`` with the fake embedder, killed by itself after the ``nth`` ``crash_at`` step."""
    env = cli_env(tmp_path, CRASH_AT=crash_at, CRASH_NTH=str(nth), DOCCHAT_CHUNK_SIZE="300",
                  DOCCHAT_CHUNK_OVERLAP="30")
    return subprocess.run([sys.executable, "-c", CRASHING_CLI, "--data-dir", str(data), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S)


def small_files(folder: Path, words: tuple[str, ...] = ("alpha", "bravo")) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for word in words:
        path = folder / f"{word}.txt"
        path.write_text(" ".join(f"{word} sentence number {i} about the {word} file." for i in range(120)))
        paths.append(path)
    return paths


@pytest.mark.parametrize("step", STORE_STEPS)
def test_a_crash_at_each_store_step_of_the_second_file_keeps_the_first(tmp_path, step):
    data = tmp_path / "data"
    first, second = small_files(tmp_path / "files")
    crashed = crashing_cli(tmp_path, data, "ingest", str(first), str(second), crash_at=step, nth=2)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert crashed.stdout.startswith(f"ok     {first.name}")
    docs = {d.name: d for d in check_library(data)}
    assert list(docs) == [first.name], f"after a crash when '{step}', the library lists {list(docs)}"

    again = crashing_cli(tmp_path, data, "ingest", str(first), str(second))
    assert again.returncode == 0, again.stderr
    assert "already in the library" in again.stdout.splitlines()[0]
    after = {d.name: d for d in check_library(data)}
    assert after[first.name] == docs[first.name] and second.name in after
    assert not leftovers(data), "an original without its document, or a temp file"


def test_a_crash_after_the_commit_keeps_the_new_document_and_publishes_its_index(tmp_path):
    data = tmp_path / "data"
    first, second = small_files(tmp_path / "files")
    crashed = crashing_cli(tmp_path, data, "ingest", str(first), str(second), crash_at="committed, not published",
                           nth=2)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert sorted(d.name for d in check_library(data)) == [first.name, second.name]
    assert not (data / "index.faiss.next").exists()
    assert not leftovers(data)


def test_a_crash_while_the_index_is_written_leaves_no_temp_file_after_the_next_open(tmp_path):
    data = tmp_path / "data"
    first, second = small_files(tmp_path / "files")
    crashed = crashing_cli(tmp_path, data, "ingest", str(first), str(second), crash_at="index written, not renamed",
                           nth=2)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    check_library(data)
    assert not [name for name in leftovers(data) if name.startswith(".index.faiss")]


@pytest.mark.parametrize("action", ["ingest --replace of a changed file", "reindex NAME (read it again)"])
def test_a_crash_while_a_document_is_replaced_keeps_one_version(tmp_path, action):
    data = tmp_path / "data"
    first, _second = small_files(tmp_path / "files")
    assert crashing_cli(tmp_path, data, "ingest", str(first)).returncode == 0
    if action.startswith("ingest"):
        first.write_text("alpha, second edition: " + first.read_text())
        args = ("ingest", "--replace", str(first))
    else:
        args = ("reindex", first.name)
    crashed = crashing_cli(tmp_path, data, *args, crash_at="index staged, not committed")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert [d.name for d in check_library(data)] == [first.name], "the old version (or the new) must survive"


def test_a_crash_in_another_process_does_not_spoil_the_open_apps_next_ingest(tmp_path, fake_embeddings):
    """The app keeps its library open while the CLI dies between the index rename and the commit."""
    data = tmp_path / "data"
    first, second, third = small_files(tmp_path / "files", ("alpha", "bravo", "charlie"))
    app = DocChat(Settings(data_dir=data, chunk_size=300, chunk_overlap=30), embeddings=fake_embeddings)
    assert app.ingest_paths([first])[0].ok
    crashed = crashing_cli(tmp_path, data, "ingest", str(second), crash_at="index staged, not committed")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert app.ingest_paths([third])[0].ok
    assert app.store.vector_count() == app.store.chunk_count(), "the app's own view after its ingest"
    assert sorted(d.name for d in check_library(data)) == [first.name, third.name]


def test_a_crash_while_vectors_follow_in_the_background_resumes_where_the_last_batch_landed(tmp_path):
    """``ingest --no-wait`` commits keyword-first; ``status --wait`` embeds the rest in batches and is
    killed after its second batch: every document stays, the landed batches stay, the next run finishes."""
    from core.store.sqlite_store import SqliteStore

    data = tmp_path / "data"
    files = small_files(tmp_path / "files", ("alpha", "bravo", "charlie"))
    added = crashing_cli(tmp_path, data, "ingest", "--no-wait", *map(str, files))
    assert added.returncode == 0, added.stderr
    assert [line.split()[0] for line in added.stdout.splitlines()] == ["ok"] * 3
    chunks = SqliteStore(data).chunk_count()
    assert SqliteStore(data).vector_count() == 0 and chunks > 8

    crashed = crashing_cli(tmp_path, data, "status", "--wait", crash_at="vectors committed", nth=2)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    library = SqliteStore(data)
    assert sorted(d.name for d in library.documents()) == sorted(f.name for f in files)
    assert library.vector_count() == 8 and len(library.missing_vectors()) == chunks - 8

    again = crashing_cli(tmp_path, data, "status", "--wait")
    assert again.returncode == 0, again.stderr
    assert "every passage has its search vector" in again.stdout
    assert len(check_library(data)) == 3
    assert not leftovers(data)
