"""A loaded model as the rest of the app sees it: a LangChain runnable plus its lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import Runnable

from core.llms.errors import LLMUnavailable

_held_models = 0  # questions being answered in this process, and ModelLocks held (``generating``)
_held_guard = threading.Lock()


def generating() -> bool:
    """True from the moment a question arrives until its answer is checked, and while a model of this
    process holds its lock: background work (embedding new documents, core.ingest.background) steps
    aside, since the answer needs the same cores and the embedder's lock (the question's own vector)."""
    return _held_models > 0


_last_asked = float("-inf")  # time.monotonic() when a question last finished or started here


def _count_held(change: int) -> None:
    global _held_models, _last_asked
    with _held_guard:
        _held_models += change
        _last_asked = time.monotonic()


def seconds_since_asked() -> float:
    """Seconds since a question was last being answered in this process (infinite: never). Someone who
    just asked is likely to ask again soon: the background embedder then works in smaller calls."""
    return 0.0 if _held_models > 0 else time.monotonic() - _last_asked


@contextmanager
def answering() -> Iterator[None]:
    """Mark a question as being answered for the work before and after the model holds its lock
    (retrieval, the claim check): the background embedder pauses before retrieval, not only once the
    model starts (BENCHMARKS §20)."""
    _count_held(+1)
    try:
        yield
    finally:
        _count_held(-1)


class ModelLock:
    """The lock every copy of one built model shares: one native model answers one question at a time.

    Questions get the model in the order they asked for it (a plain ``threading.Lock`` lets any waiter
    in), so the page can tell a waiting question its honest place: ``ahead_of`` counts the question
    being answered and those queued before it.

    The registry keeps one instance per model file and closes it when another context size replaces it.
    A session may still hold a copy of the old one (taken just before the switch); entering this lock
    then raises ``LLMUnavailable`` instead of running a freed native model, which could crash the process.
    The lock may be released by another thread than the one that took it (a token stream started in
    a worker thread and finished in the page's), like ``threading.Lock``.
    """

    def __init__(self) -> None:
        self._state = threading.Condition(threading.Lock())  # guards the three fields below
        self._held = False
        self._holder: threading.Thread | None = None  # the thread that took it, for ``held_by``
        self._queue: list[threading.Thread] = []  # threads waiting for it, first come first served
        self.closed_because = ""  # set, under the lock, when the model is closed: a sentence (core.i18n Text)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        me = threading.current_thread()
        with self._state:
            if not blocking and (self._held or self._queue):
                return False
            self._queue.append(me)
            got = False
            try:
                got = self._state.wait_for(lambda: not self._held and self._queue[0] is me,
                                           None if timeout < 0 else timeout)
            finally:
                self._queue.remove(me)
                if got:
                    self._held, self._holder = True, me
                    _count_held(+1)
                else:  # the next in line may be first now
                    self._state.notify_all()
            return got

    def release(self) -> None:
        with self._state:
            if not self._held:
                raise RuntimeError("release unlocked lock")
            self._held, self._holder = False, None
            _count_held(-1)
            self._state.notify_all()

    def locked(self) -> bool:
        return self._held

    def waiting(self) -> int:
        """How many questions are queued for the model (the one it is answering not counted)."""
        with self._state:
            return len(self._queue)

    def ahead_of(self, thread: threading.Thread) -> int:
        """How many questions the model takes before the one ``thread`` waits with: the one it is
        answering and those queued earlier. 0 when ``thread`` is not waiting."""
        with self._state:
            if thread not in self._queue:
                return 0
            return self._queue.index(thread) + self._held

    def held_by(self, thread: threading.Thread) -> bool:
        """True while the model works for the question ``thread`` took it for."""
        with self._state:
            return self._held and self._holder is thread

    def __enter__(self) -> ModelLock:
        self.acquire()
        if self.closed_because:
            self.release()
            raise LLMUnavailable(self.closed_because)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


@dataclass
class LoadedLLM:
    name: str
    runnable: Runnable
    lock: ModelLock = field(default_factory=ModelLock)

    def busy(self) -> bool:
        """True while another session's question holds the model (the UI says "waiting")."""
        return self.lock.locked()
