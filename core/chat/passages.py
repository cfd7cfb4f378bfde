"""The passages of an answer cut into pieces (sentences and lines, as ``citations.pieces`` cuts them)
and embedded once: context packing picks pieces by them before the model reads, and the claim check
compares the answer with them after it has written, so the embedder runs over the passages only once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.chat.citations import pieces

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Passage:
    """One passage's pieces (as ``citations.pieces`` cuts them, blank ones included, so indexes match
    the highlights) and the vectors of its non-blank pieces, in order."""

    pieces: list[str]
    vectors: np.ndarray

    @property
    def filled(self) -> list[int]:
        return [i for i, piece in enumerate(self.pieces) if piece.strip()]


def split_passages(texts: list[str], encode: Encode) -> list[Passage]:
    """Every passage's pieces, embedded in one call."""
    split = [pieces(text) for text in texts]
    flat = [piece for passage in split for piece in passage if piece.strip()]
    vectors = encode(flat) if flat else np.zeros((0, 1), dtype="float32")
    out, start = [], 0
    for passage in split:
        count = sum(1 for piece in passage if piece.strip())
        out.append(Passage(passage, vectors[start:start + count]))
        start += count
    return out
