"""Embedding many texts in slices, so a long file can show progress while it is embedded."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from core.embeddings import embed_matrix

EMBED_BATCH = 64


def embed_in_slices(embeddings: Embeddings, texts: list[str], on_done: Callable[[float], object],
                    batch: int = EMBED_BATCH, before: Callable[[], object] = lambda: None) -> np.ndarray | None:
    """Embed in slices so progress can be shown, slicing in length order: each encode call pads
    to its longest text, so slices of similar length run at raw ``encode`` speed (0.99 vs 0.82
    of one big call in file order; bench/embed_batching.py). None when there is no text.
    ``before`` runs before each call (the background embedder waits there while a question is
    answered): one call of ``batch`` texts holds the embedder's lock, which the question's own
    vector needs."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors = None
    for start in range(0, len(order), batch):
        before()
        rows = order[start : start + batch]
        embedded = embed_matrix(embeddings, [texts[i] for i in rows])
        if vectors is None:
            vectors = np.empty((len(texts), embedded.shape[1]), dtype="float32")
        vectors[rows] = embedded
        on_done(min(1.0, (start + len(rows)) / len(order)))
    return vectors
