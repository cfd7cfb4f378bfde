"""A loaded model as the rest of the app sees it: a LangChain runnable plus its lock."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from langchain_core.runnables import Runnable


@dataclass
class LoadedLLM:
    name: str
    runnable: Runnable
    lock: threading.Lock = field(default_factory=threading.Lock)

    def busy(self) -> bool:
        """True while another session's question holds the model (the UI says "waiting")."""
        return self.lock.locked()
