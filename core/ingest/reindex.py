"""Re-embed every chunk of the library with the current embedding model (after a model switch).

The text is not parsed again: stored chunks are re-embedded, so encrypted PDFs need no password
and a re-index costs only the embedding time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from core.embeddings import embedding_name
from core.ingest.pipeline import embed_in_slices
from core.store.library import Library


def reindex(library: Library, embeddings: Embeddings, on_progress: Callable[[float], None] | None = None) -> int:
    """Returns how many chunks were embedded."""
    rows = library.chunk_texts()
    ids = np.array([i for i, _ in rows], dtype="int64")
    vectors = embed_in_slices(embeddings, [text for _, text in rows], on_progress or (lambda _done: None))
    if vectors is None:
        dimension = getattr(embeddings, "dimension", None) or len(embeddings.embed_query("x"))
        vectors = np.zeros((0, dimension), dtype="float32")
    library.reindex(vectors, ids, embedding_name(embeddings))
    return len(rows)
