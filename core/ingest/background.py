"""Vectors that follow their documents: a document is committed keyword-first (its rows, original and
keyword index, so its words are searchable at once) and its chunks' vectors are embedded here, after.

The queue is the library itself: the chunks ``Store.missing_vectors`` lists, the newest document's
first (``first_in_line``), looked at again after every commit. Nothing else records what is left,
so a restart (or a crash, or ``kill -9``) resumes where the last commit stopped, a chunk deleted
meanwhile is skipped, and none is embedded twice: ``add_vectors`` keeps only vectors of chunks that
still lack one. Vectors are committed in batches, each one transaction, so a document's vector and
sentence legs join as its batches land.

One embedder runs per data dir, across the app's sessions and CLI processes (``claim``: a file lock
beside the library). Before each embedder call (``BATCH`` texts) it steps aside while a question is
being answered in this process (``core.llms.loaded.generating``: from retrieval to the claim check),
because both want the same two cores and the embedder's lock, and the person waiting comes first.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from langchain_core.embeddings import Embeddings

from core.embeddings.slices import EMBED_BATCH
from core.i18n import message_of
from core.ingest.sentences import embed_texts
from core.llms.loaded import seconds_since_asked
from core.store.base import Store

SLICE = 8  # chunks between two progress reports: 1-2 s with sentence vectors on 2 idle cores, 5-10 s loaded (§20)
# Texts per embedder call, and between two looks at ``should_wait``: a question's vector waits for the call in
# flight. Calls of 16 made the first token 1.08x idle but the full index 0.84x the raw encoder (goal 0.9); calls of
# 64 run at the encoder's speed and make a question wait for seconds on a loaded machine (BENCHMARKS §20). So
# small calls while someone is chatting (a question in the last CHATTING_SECONDS), full ones otherwise.
BATCH = EMBED_BATCH
CHATTING_BATCH = 16
CHATTING_SECONDS = 120.0
COMMIT_CHUNKS = 256  # chunks per commit: each commit writes the index file again
COMMIT_SECONDS = 15.0  # ... or sooner, so a big document's first pages join the vector leg early
PAUSE_SECONDS = 0.25  # how often a paused embedder looks again
IDLE_SECONDS = 3.0  # how often an idle ``Embedder`` looks for chunks without vectors (``poke`` wakes it at once)


def lock_path(data_dir: Path) -> Path:
    return Path(data_dir) / "embedding.lock"


@contextmanager
def claim(data_dir: Path) -> Iterator[bool]:
    """True inside the block when this process is the data dir's embedder; False when another one is
    (then the caller leaves the work to it)."""
    lock = FileLock(str(lock_path(data_dir)), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def claimed_elsewhere(data_dir: Path) -> bool:
    """Whether another process (or another thread's claim) is the data dir's embedder right now."""
    with claim(data_dir) as mine:
        return not mine


def embed_pending(store: Store, embeddings: Embeddings, sentences: bool, *,
                  should_wait: Callable[[], bool] = lambda: False,
                  stop: threading.Event | None = None,
                  on_progress: Callable[[int, int], object] = lambda _done, _total: None,
                  todo: list[int] | None = None) -> int:
    """Embed the chunks without vectors from their stored text and commit them in batches; returns how
    many vectors went in. The newest waiting document goes first (``first_in_line``), committed as soon
    as it is embedded, and the queue is looked at again after every commit and whenever a document
    arrives, so a file added while a big folder fills is embedded next, not after the folder.
    ``should_wait``: pause before each embedder call while it is true; ``stop``: return after the
    current slice (what was committed stays; the rest waits for the next run).
    ``on_progress(done, total)`` after each slice; ``total`` grows when documents arrive meanwhile.
    ``todo``: the chunks without vectors when the caller just listed them (listed here otherwise)."""
    def wait() -> None:
        while should_wait() and not (stop and stop.is_set()):
            time.sleep(PAUSE_SECONDS)

    tried: set[int] = set()  # listed in this run: a chunk whose text is gone is not looked for again
    todo = store.missing_vectors() if todo is None else todo
    done, added = 0, 0
    # An arrival redraws the line at most once every COMMIT_SECONDS: a folder whose files land every
    # second would otherwise make every slice a commit, and each commit writes the index file again.
    redrawn = -math.inf
    on_progress(0, len(todo))
    while todo and not (stop and stop.is_set()):
        line, front = first_in_line(store, todo)
        counted = store.chunk_count()  # changes when a document is added meanwhile: then the line is drawn again
        batch = line[:COMMIT_CHUNKS]
        found = {row[0]: row for row in store.chunk_texts(batch)}  # a chunk deleted since it was listed is not there
        texts = [found[i] for i in batch if i in found]  # in line's order, not the store's
        lead = sum(1 for i in line[:front] if i in found)  # the newest document's: committed as soon as embedded
        tried.update(batch)
        after = len(todo) - len(batch)  # what waits behind this batch, for the progress total
        ids: list[int] = []
        vectors: list[np.ndarray] = []
        sentence_vectors: list[np.ndarray | None] = []
        began = time.monotonic()
        starts = [*range(0, lead, SLICE), *range(lead, len(texts), SLICE)]
        for start, end in zip(starts, [*starts[1:], len(texts)], strict=True):
            wait()
            if stop and stop.is_set():
                break
            piece = texts[start:end]
            per_call = CHATTING_BATCH if seconds_since_asked() < CHATTING_SECONDS else BATCH
            embedded, per_chunk = embed_texts(embeddings, [(text, heading) for _, text, heading in piece], sentences,
                                              batch=per_call, before=wait)
            if embedded is not None:
                ids.extend(i for i, _, _ in piece)
                vectors.append(embedded)
                sentence_vectors.extend(per_chunk or [None] * len(piece))
            done += len(piece)
            on_progress(done, done + after + len(texts) - end)
            if end == lead < len(texts):  # the document the user added last: searchable by meaning now
                added += _commit(store, ids, vectors, sentence_vectors if sentences else None)
                ids, vectors, sentence_vectors = [], [], []
            arrived = time.monotonic() - redrawn > COMMIT_SECONDS and store.chunk_count() != counted
            if time.monotonic() - began > COMMIT_SECONDS or arrived:
                tried.difference_update(i for i, _, _ in texts[end:])  # back in the queue
                redrawn = time.monotonic() if arrived else redrawn
                break
        added += _commit(store, ids, vectors, sentence_vectors if sentences else None)
        todo = [i for i in store.missing_vectors() if i not in tried]
    return added


def first_in_line(store: Store, todo: list[int]) -> tuple[list[int], int]:
    """``todo`` (chunk ids, oldest first) with the chunks of the most recently added waiting document
    moved to the front, in reading order, and how many they are (0: one document waits, nothing moves):
    what the user just added is what they are about to ask about."""
    waiting = store.pending_documents()
    if len(waiting) < 2:
        return todo, 0
    newest = next(d.sha256 for d in reversed(store.documents()) if d.sha256 in waiting)
    queued = set(todo)
    mine = [i for i, _ in store.document_chunks(newest) if i in queued]  # by page and place, not by id
    first = set(mine)
    return mine + [i for i in todo if i not in first], len(mine)


def _commit(store: Store, ids: list[int], vectors: list[np.ndarray],
            sentence_vectors: list[np.ndarray | None] | None) -> int:
    if not ids:
        return 0
    return store.add_vectors(np.concatenate(vectors), np.array(ids, dtype="int64"), sentence_vectors)


@dataclass
class Embedder:
    """A daemon thread that runs ``run(stop)`` (``DocChat.embed_pending``) whenever it is poked, and every
    ``IDLE_SECONDS`` in case another process added documents: the app's and ``watch run``'s."""

    run: Callable[[threading.Event], object]
    stop: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)
    failure: str = ""  # why the last run stopped (the next one tries again); committed batches stay
    _thread: threading.Thread | None = None

    def poke(self) -> None:
        """Chunks wait for vectors: start the thread if it is not running, and wake it now."""
        if self.stop.is_set():
            return
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="background-embedder", daemon=True)
            self._thread.start()
        self.wake.set()

    def _loop(self) -> None:
        while not self.stop.is_set():
            self.wake.clear()
            try:
                self.run(self.stop)
                self.failure = ""
            except Exception as exc:  # noqa: BLE001 - a thread's error would vanish; the page shows it
                self.failure = message_of(exc)
            self.wake.wait(IDLE_SECONDS)

    def close(self) -> None:
        """Stop after the current slice; what was committed stays."""
        self.stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
