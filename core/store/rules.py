"""What every store does the same way, whatever engine holds the rows: the checks before a
write, the one-model-per-library rule and its message, the merge of keyword scores, records
built from rows. Each store keeps only its SQL; these rules live here once, so the SQLite and
PostgreSQL libraries cannot drift apart (the store contract tests run the same cases on both).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from core.i18n import say
from core.store.base import LibraryMismatch
from core.store.records import Chunk, DocumentRecord, Hit, NewDocument
from core.store.scope import Scope, limiting

# The columns of a chunk as a Hit needs them, in this order, whichever engine reads them.
HIT_COLUMNS = "c.id, d.name, c.page, c.text, d.sha256, c.heading"


def now() -> str:
    """The ``added`` stamp of a new document: UTC, to the second (sorts as text)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def checked_model(new: Sequence[NewDocument]) -> str | None:
    """The one embedding model of a batch of new documents, after checking each has one vector
    per chunk; a batch that mixes models is refused (their vectors could not be compared)."""
    for doc in new:
        if doc.vectors is not None and len(doc.chunks) != len(doc.vectors):
            raise ValueError("one vector per chunk is required")
    models = {doc.embedding_model for doc in new}
    if len(models) > 1:
        raise LibraryMismatch(say("one embedding model per library, not {models}", models=sorted(models)))
    return next(iter(models), None)


def check_model(built_with: str | None, name: str, has_chunks: bool) -> None:
    """Refuse vectors of ``name`` in a library whose chunks hold vectors of another model."""
    if built_with and built_with != name and has_chunks:
        raise LibraryMismatch(say("this library was indexed with {built_with}, not {name}; re-index it to switch "
                                  "models (python -m core reindex, or Documents → Re-index)",
                                  built_with=repr(built_with), name=repr(name)))


def check_unchanged(current: set[int], ids: np.ndarray) -> None:
    """A re-index swaps the vectors of exactly the chunks it read; a document added or deleted
    meanwhile would leave chunks without vectors or vectors without chunks."""
    if current != set(ids.tolist()):
        raise RuntimeError("the library changed while it was re-indexed; run it again")


def record(doc: NewDocument, added: str) -> DocumentRecord:
    """The record of ``doc`` once stored."""
    return DocumentRecord(doc.name, doc.sha256, doc.kind, doc.pages, len(doc.chunks), len(doc.original), added,
                          doc.note, doc.collection)


def exported(record: DocumentRecord, original: bytes, chunks: list[Chunk], vectors: np.ndarray, model: str,
             sentences: list[np.ndarray | None] | None) -> NewDocument:
    """A stored document as ``add_documents`` takes it again (``Store.export``)."""
    return NewDocument(record.name, record.sha256, record.kind, record.pages, original, chunks, vectors, model,
                       record.note, record.collection, sentence_vectors=sentences)


def merge_scores(legs: Iterable[Iterable[tuple[int, float]]], k: int) -> list[tuple[int, float]]:
    """The ``k`` best (chunk id, score) over the keyword legs (words, trigrams); a chunk found by
    both has its two scores added."""
    scores: dict[int, float] = {}
    for leg in legs:
        for chunk_id, score in leg:
            scores[chunk_id] = scores.get(chunk_id, 0.0) + float(score)
    return sorted(scores.items(), key=lambda item: -item[1])[:k]


def hits(found: Sequence[tuple[int, float]], rows: Iterable[Sequence]) -> list[Hit]:
    """Chunk ids with scores, in the order found, as Hits; ``rows`` are ``HIT_COLUMNS`` of those
    chunks in any order (a chunk deleted meanwhile is left out)."""
    by_id = {row[0]: row for row in rows}
    return [Hit(source=row[1], page=row[2], text=row[3], score=score, sha256=row[4], chunk_id=i, heading=row[5])
            for i, score in found if (row := by_id.get(i))]


# One limit as an engine writes it: (column of ``documents d``, allowed values) -> (SQL, parameters).
Condition = Callable[[str, tuple[str, ...]], tuple[str, list[Any]]]


def scope_clause(scope: Scope | None, keyword: str, condition: Condition) -> tuple[str, list[Any]]:
    """A ``WHERE``/``AND`` clause over ``documents d`` that keeps the chunks of ``scope`` (its
    collection and document limits joined by AND); ("", []) when it leaves nothing out. Each store
    brings only how it writes one limit (``IN (?, ...)``, ``= ANY(%s)``)."""
    if (scope := limiting(scope)) is None:
        return "", []
    limits = [condition(column, values) for column, values in (("d.collection", scope.collections),
                                                              ("d.sha256", scope.documents)) if values is not None]
    return f"{keyword} " + " AND ".join(sql for sql, _ in limits), [p for _, params in limits for p in params]
