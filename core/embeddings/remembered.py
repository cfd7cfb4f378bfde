"""Passage pieces embedded once a process: the claim check compares an answer with the sentences of the
passages it drew on, and embedding those sentences is nearly all of its time (about 40 ms a sentence on
two cores, BENCHMARKS §15). A conversation about one document meets the same sentences question after
question, so their vectors are kept (the most recently used ``PIECES``, about 3 MB at 384 dimensions)
and only new text is embedded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
from cachetools import LRUCache

PIECES = 2048

Encode = Callable[[list[str]], np.ndarray]


class RememberedVectors:
    """``encode`` with a memory: the same text gives the same normalised vector without a second call.
    Safe to share between the app's sessions (the cache is locked; the embedder call is not held under it)."""

    def __init__(self, encode: Encode, size: int = PIECES) -> None:
        self._encode = encode
        self._vectors: LRUCache[str, np.ndarray] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return self._encode(texts)
        with self._lock:
            known = {text: self._vectors[text] for text in texts if text in self._vectors}
        new = list(dict.fromkeys(text for text in texts if text not in known))  # a repeated sentence once
        fresh = dict(zip(new, self._encode(new), strict=True)) if new else {}
        with self._lock:
            self._vectors.update(fresh)
        found = known | fresh
        return np.vstack([found[text] for text in texts])
