"""A loaded model as the rest of the app sees it: a LangChain runnable plus its lock."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import Runnable

from core.llms.errors import LLMUnavailable


class ModelLock:
    """The lock every copy of one built model shares: one native model answers one question at a time.

    The registry keeps one instance per model file and closes it when another context size replaces it.
    A session may still hold a copy of the old one (taken just before the switch); entering this lock
    then raises ``LLMUnavailable`` instead of running a freed native model, which could crash the process.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.closed_because = ""  # set, under the lock, when the model is closed

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def __enter__(self) -> ModelLock:
        self._lock.acquire()
        if self.closed_because:
            self._lock.release()
            raise LLMUnavailable(self.closed_because)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._lock.release()


@dataclass
class LoadedLLM:
    name: str
    runnable: Runnable
    lock: ModelLock = field(default_factory=ModelLock)

    def busy(self) -> bool:
        """True while another session's question holds the model (the UI says "waiting")."""
        return self.lock.locked()
