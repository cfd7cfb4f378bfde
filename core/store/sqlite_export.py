"""Export of the SQLite + FAISS library: every document with its original, passages and vectors, the
chunk vectors read back from FAISS by chunk id (``IndexIDMap2`` reconstructs them), for ``export`` and
for moving a library to PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np

from core.store import rules
from core.store.records import Chunk, DocumentRecord, NewDocument


class Exportable(Protocol):
    """What ``exported`` reads of the SQLite store (named here, so the store module is not imported back)."""

    def meta(self, key: str) -> str | None: ...
    def faiss_index(self) -> Any: ...
    def documents(self, collections: list[str] | None = None) -> list[DocumentRecord]: ...
    def original(self, sha256: str) -> bytes | None: ...
    def document_chunks(self, sha256: str) -> list[tuple[int, Chunk]]: ...
    def sentence_vectors(self, ids: list[int], dimension: int) -> list[np.ndarray | None]: ...


def exported(store: Exportable) -> Iterator[tuple[DocumentRecord, NewDocument | None]]:
    """Each document as a ``NewDocument`` another store can add; None for one whose original is gone."""
    model, index = store.meta("embedding_model") or "", store.faiss_index()
    for record in store.documents():
        original = store.original(record.sha256)
        if original is None:
            yield record, None
            continue
        assert index is not None  # a document has passages, and every passage a vector (faiss_index)
        pairs = store.document_chunks(record.sha256)
        ids = [i for i, _ in pairs]
        sentences = store.sentence_vectors(ids, index.d)
        vectors = np.stack([index.reconstruct(i) for i in ids]) if ids else np.zeros((0, index.d), "float32")
        yield record, rules.exported(record, original, [c for _, c in pairs], vectors, model, sentences)
