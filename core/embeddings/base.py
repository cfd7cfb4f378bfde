"""The shared interface of the local embedders: LangChain ``Embeddings`` plus numpy fast paths.

Queries and passages are encoded separately because some models (E5) are trained with a
different prefix for each; treating them alike costs retrieval quality.
"""

from __future__ import annotations

import threading
from abc import abstractmethod

import numpy as np
from langchain_core.embeddings import Embeddings


class LocalEmbedder(Embeddings):
    """Normalised float32 vectors; one lock per model because the engines are not re-entrant."""

    name: str
    dimension: int

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()

    @abstractmethod
    def _passages(self, texts: list[str]) -> np.ndarray: ...

    def _queries(self, texts: list[str]) -> np.ndarray:
        return self._passages(texts)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        with self._lock:
            return _normalised(self._passages(list(texts)))

    def encode_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalised(self._queries([text]))[0]

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.encode_documents(texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_documents(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


def _normalised(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype="float32").reshape(len(matrix), -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
