"""Sentence vectors as stored: one float16 matrix per chunk, as raw bytes (never a pickle).

float16 halves the space of the library's biggest table and changes a cosine by under 1e-3,
far below the gaps between candidates that the sentence score decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def sentence_blob(vectors: np.ndarray) -> bytes:
    return np.ascontiguousarray(vectors, dtype="<f2").tobytes()


def sentence_rows(ids: Sequence[int] | np.ndarray, sentences: list[np.ndarray | None]) -> list[tuple[int, bytes]]:
    """(chunk id, blob) for each chunk that has sentence vectors; ``sentences`` lists every chunk."""
    if len(sentences) != len(ids):
        raise ValueError("sentence vectors are needed for every chunk (None for a one-piece chunk)")
    return [(int(i), sentence_blob(v)) for i, v in zip(ids, sentences, strict=True) if v is not None]


def sentence_matrix(blob: bytes | None, dimension: int) -> np.ndarray | None:
    """A stored blob back as a float32 matrix (None when there is none or it is of another size)."""
    if not blob:
        return None
    flat = np.frombuffer(blob, dtype="<f2")
    return flat.reshape(-1, dimension).astype("float32") if flat.size % dimension == 0 else None


def best_sentences(query_vector: np.ndarray, rows: Iterable[tuple[int, bytes]]) -> dict[int, float]:
    """Chunk id -> the cosine of its closest sentence (vectors are normalised). A blob of another
    dimension (a half-finished model switch) is skipped, not compared."""
    query = np.asarray(query_vector, dtype="float32").reshape(-1)
    out: dict[int, float] = {}
    for chunk_id, blob in rows:
        matrix = sentence_matrix(blob, query.size)
        if matrix is not None:
            out[int(chunk_id)] = float((matrix @ query).max())
    return out
