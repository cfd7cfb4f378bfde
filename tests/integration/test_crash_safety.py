"""Faults (issue 7): an ingest killed at any moment must leave a library that opens, agrees with
itself and still holds every document it had listed; running the same ingest again finishes the job.

Two kinds of crash. Real ones: ``python -m core ingest`` with the real MiniLM embedder, killed with
SIGKILL (nothing runs after it: no ``finally``, no rollback) at seeded random moments, some timed
from the start, some while it embeds (its model file is mapped) and some while it stores (its copy
of the original has appeared). Exact ones: the same CLI, with a fake embedder so it starts in a
second, kills itself right after each step of a store (original written, rows inserted, index
written to its temp file, index renamed before the commit), so every window is hit every run.

After each crash the library is checked from its files (``check_library``): FAISS holds exactly the
chunk ids SQLite holds, each listed document has the rows it claims, its vectors find it, its full
text is indexed and its stored original has its hash.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from core.service import DocChat
from core.settings import Settings
from core.store.records import DocumentRecord
from core.store.sqlite_store import SqliteStore

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
NOVEL = Path("other") / "war-and-peace_book-war-and-peace-1225p.txt"
SEED = 20251125
# Whole chapters per chunk: MiniLM reads the first 256 tokens of each, so the 3 MB novel embeds in
# ~6 s instead of ~160 s, while SQLite, FTS5 and the stored original still get every byte. These
# tests are about the store surviving a crash, not about retrieval quality.
BIG_CHUNKS = "50000"
FILES_IN_DATA_DIR = {"library.sqlite", "library.sqlite-wal", "library.sqlite-shm", "index.faiss", "library.lock",
                     "uploads"}
RUN_TIMEOUT_S = 180
# Sentence vectors off for the real-model kills: a 50,000-character chunk has ~250 sentences, which
# would bring back the embedding time BIG_CHUNKS saves. The exact crash points below (fake embedder)
# keep them on, so every store step is also crashed with sentence vectors being written.
NO_SENTENCES = {"DOCCHAT_SENTENCE_WEIGHT": "0"}

# Run as `python -c CRASHING_CLI ARGS...`: the real CLI with a fake embedder (no torch, starts in
# ~1 s) that SIGKILLs itself right after the CRASH_NTH call of the store step named by CRASH_AT.
CRASHING_CLI = """
import os, signal, sys
from langchain_core.embeddings import DeterministicFakeEmbedding
import core.embeddings, core.store.sqlite_store as library, core.store.index_file as index_file
import core.store.originals as originals, core.store.vector_index as vector_index

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
    library.insert_document = then_crash(library.insert_document)
elif point == "index written, not renamed":
    real_atomic_write = index_file.atomic_write
    index_file.atomic_write = write_then_crash
elif point == "index staged, not committed":
    vector_index.VectorIndex.stage = then_crash(vector_index.VectorIndex.stage)
elif point == "committed, not published":
    vector_index.VectorIndex.publish = crash_first(vector_index.VectorIndex.publish)
elif point:
    sys.exit(f"unknown CRASH_AT {point!r}")
core.embeddings.load_embeddings = lambda name: DeterministicFakeEmbedding(size=32)
from core.cli import main
sys.exit(main(sys.argv[1:]))
"""
STORE_STEPS = ["original written", "rows inserted", "index written, not renamed", "index staged, not committed"]


# -- the library, checked from its files ---------------------------------------------------------
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


# -- running and killing the CLI ------------------------------------------------------------------
def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCCHAT_")}
    env.update({"DOCCHAT_SETTINGS": str(tmp_path / "no-settings.toml"),
                "DOCCHAT_EMBEDDING_MODEL": "all-MiniLM-L6-v2", "DOCCHAT_CHUNK_SIZE": BIG_CHUNKS})
    env.update(extra)
    return env


class Ingest:
    """``python -m core ingest`` running in the background; its "ok" lines are collected as printed
    (the CLI flushes one per file, right after the file is stored)."""

    def __init__(self, data_dir: Path, files: list[Path], env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.stored: list[str] = []
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "core", "--data-dir", str(data_dir), "ingest", *map(str, files)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            if line.startswith("ok"):
                self.stored.append(line.split()[1].rstrip(":"))

    def running(self) -> bool:
        return self.popen.poll() is None

    def model_loaded(self) -> bool:
        """The embedder's weights are mapped into the process: it embeds from here on."""
        from core.embeddings.sentence_transformer import SHIPPED

        try:
            return SHIPPED["all-MiniLM-L6-v2"] in Path(f"/proc/{self.popen.pid}/maps").read_text()
        except OSError:  # not Linux, or already gone: the delay alone decides
            return True

    def kill_when(self, ready: Callable[[], bool], delay: float) -> bool:
        """Poll ``ready`` every 2 ms, wait ``delay`` more, then SIGKILL. False: it finished first."""
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while self.running() and not ready() and time.monotonic() < deadline:
            time.sleep(0.002)
        until = time.monotonic() + delay
        while self.running() and time.monotonic() < until:
            time.sleep(0.002)
        killed = self.running()
        if killed:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)
        self._reader.join(timeout=10)
        return killed

    def finish(self) -> int:
        code = self.popen.wait(timeout=RUN_TIMEOUT_S)
        self._reader.join(timeout=10)
        return code


def storing(data_dir: Path) -> Callable[[], bool]:
    """True once a new entry appears in uploads/: the original is written first thing in a store."""
    uploads = data_dir / "uploads"
    before = set(os.listdir(uploads)) if uploads.is_dir() else set()
    return lambda: uploads.is_dir() and bool(set(os.listdir(uploads)) - before)


def searchable(data_dir: Path, embeddings, question: str, name: str) -> None:
    app = DocChat(Settings(data_dir=data_dir, embedding_model="all-MiniLM-L6-v2"), embeddings=embeddings)
    hits = app.search(question, k=3)
    assert hits and hits[0].source == name, f"{question!r} found {[h.source for h in hits]}"


def generated_text(rng: random.Random, topic: str, size: int) -> str:
    """``size`` characters of seeded filler words with ``topic`` sentences spread through it."""
    syllables = ["ka", "lo", "mi", "ren", "tus", "va", "der", "os", "pli", "nor", "e", "sha"]
    words = ["".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(3000)]
    parts, length = [], 0
    while length < size:
        sentence = (topic if len(parts) % 40 == 0 else
                    " ".join(rng.choices(words, k=rng.randint(6, 18))).capitalize() + ".")
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)


TOPICS = {
    "glassworks.txt": ("The glassblower Ivo Brandt shapes cobalt lanterns in the Murrow glassworks.",
                       "Who shapes cobalt lanterns in the Murrow glassworks?"),
    "orchard.txt": ("Farmer Lotte Seidl grows quinces and medlars in the Ashgrove orchard.",
                    "Who grows quinces and medlars in the Ashgrove orchard?"),
    "observatory.txt": ("Astronomer Tomas Reyna tracks comet Halvard from the Pellan observatory.",
                        "Which comet does the Pellan observatory astronomer track?"),
}


@pytest.fixture
def generated(tmp_path: Path) -> list[Path]:
    """Three ~0.8 MB text files (2.4 MB in all), each with its own searchable topic."""
    rng = random.Random(SEED)
    folder = tmp_path / "files"
    folder.mkdir()
    paths = []
    for name, (topic, _question) in TOPICS.items():
        path = folder / name
        path.write_text(generated_text(rng, topic, 800_000), encoding="utf-8")
        paths.append(path)
    return paths


# -- real kills ----------------------------------------------------------------------------------
def test_a_novel_ingest_killed_while_embedding_and_while_storing_recovers(corpus, tmp_path, real_embeddings):
    novel = corpus / NOVEL
    if not novel.is_file():
        pytest.skip(f"{novel} is not in the shared corpus")
    data, env, rng = tmp_path / "data", cli_env(tmp_path, **NO_SENTENCES), random.Random(SEED)
    moments = [
        ("while embedding", lambda run: run.model_loaded, rng.uniform(0.2, 3.0)),
        ("while storing", lambda run: storing(data), rng.uniform(0.0, 0.15)),
    ]
    for moment, trigger, delay in moments:
        run = Ingest(data, [novel], env)
        killed = run.kill_when(trigger(run), delay)
        docs = check_library(data)
        assert killed or [d.name for d in docs] == [novel.name], f"killed {moment}"
    run = Ingest(data, [novel], env)
    assert run.finish() == 0
    [doc] = check_library(data)
    assert doc.name == novel.name and doc.size == novel.stat().st_size
    assert not leftovers(data), "a reopened library keeps no stray original or temp file"
    searchable(data, real_embeddings, "Pierre Bezukhov and Natasha Rostova", novel.name)


def test_a_multi_file_ingest_killed_at_random_keeps_every_file_it_stored(generated, tmp_path, real_embeddings):
    """Several files in one command: a kill during the second file's work never harms the first."""
    data, env, rng = tmp_path / "data", cli_env(tmp_path, **NO_SENTENCES), random.Random(SEED + 1)
    stored: dict[str, DocumentRecord] = {}
    moments = [
        ("while starting (the library is opened and set up)", lambda run: (lambda: True), rng.uniform(0.3, 3.0)),
        ("while a file is stored", lambda run: storing(data), rng.uniform(0.0, 0.1)),
        ("while the file after a stored one embeds", lambda run: (lambda: bool(set(run.stored) - set(stored))),
         rng.uniform(0.0, 1.0)),
    ]
    for moment, trigger, delay in moments:
        run = Ingest(data, generated, env)
        run.kill_when(trigger(run), delay)
        docs = {d.name: d for d in check_library(data)}
        for name in run.stored:  # printed "ok": stored and committed before the kill
            assert name in docs, f"{name} was reported stored, then lost to a kill {moment}"
        for name, before in stored.items():
            assert docs.get(name) == before, f"{name} changed after a kill {moment}"
        stored = docs
    run = Ingest(data, generated, env)
    assert run.finish() == 0
    docs = {d.name: d for d in check_library(data)}
    assert sorted(docs) == sorted(TOPICS)
    assert not leftovers(data), "a reopened library keeps no stray original or temp file"
    for name, (_topic, question) in TOPICS.items():
        searchable(data, real_embeddings, question, name)


# -- exact crash points ------------------------------------------------------------------------------
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
    crashing_cli(tmp_path, data, "ingest", str(first), str(second), crash_at="index written, not renamed",
                 nth=2)
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
