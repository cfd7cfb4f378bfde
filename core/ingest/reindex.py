"""Re-embed every chunk of the library with the current embedding model (after a model switch).

The text is not parsed again: stored chunks are re-embedded, so encrypted PDFs need no password
and a re-index costs only the embedding time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from core.embeddings import embedding_name
from core.ingest.sentences import embed_texts
from core.store.base import Store


def reindex(library: Store, embeddings: Embeddings, on_progress: Callable[[float], object] | None = None,
            sentences: bool = True) -> int:
    """Returns how many chunks were embedded; ``sentences``: their sentence vectors too."""
    rows = library.chunk_texts()
    ids = np.array([i for i, _, _ in rows], dtype="int64")
    vectors, sentence_vectors = embed_texts(embeddings, [(text, heading) for _, text, heading in rows], sentences,
                                            on_progress or (lambda _done: None))
    if vectors is None:
        dimension = getattr(embeddings, "dimension", None) or len(embeddings.embed_query("x"))
        vectors = np.zeros((0, dimension), dtype="float32")
    library.reindex(vectors, ids, embedding_name(embeddings), sentence_vectors)
    return len(rows)
