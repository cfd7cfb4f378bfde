"""Copy an embedded library (SQLite + FAISS in a data folder) into PostgreSQL, without re-embedding:
``python -m core migrate --to postgres URL``.

Vectors are read back from the FAISS index by chunk id (``IndexIDMap2`` keeps the id map and
reconstructs stored vectors), so the PostgreSQL library answers as the embedded one did, with no
model loaded. One transaction per document: an interrupted copy keeps what it finished, and a
second run skips every document already there (by sha256), so the command is safe to repeat.
The embedded library is only read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field

import numpy as np

from core.ingest.records import Chunk
from core.store.library import Library
from core.store.postgres import PostgresLibrary
from core.store.records import DocumentRecord, NewDocument
from core.store.sentence_vectors import sentence_matrix


@dataclass
class Migration:
    copied: list[DocumentRecord] = field(default_factory=list)
    skipped: list[DocumentRecord] = field(default_factory=list)  # already in PostgreSQL
    missing: list[DocumentRecord] = field(default_factory=list)  # stored file gone: not copied

    @property
    def chunks(self) -> int:
        return sum(d.chunks for d in self.copied)


def copy_library(source: Library, target: PostgresLibrary,
                 on_document: Callable[[str, DocumentRecord], None] | None = None) -> Migration:
    """Copy every document of ``source`` that ``target`` lacks; ``on_document(outcome, record)``
    is told "copied", "skipped" or "missing" for each. Raises ``LibraryMismatch`` before copying
    anything when ``target`` holds vectors of another embedding model."""

    report = Migration()
    model = source.meta("embedding_model")
    documents = source.documents()
    if not documents or model is None:
        return report
    target.check_embedding_model(model)
    index = source.committed_index()
    with closing(sqlite3.connect(f"file:{source.db_path}?mode=ro", uri=True)) as conn:
        for record in documents:
            if target.find(record.sha256) is not None:
                outcome = "skipped"
            elif (original := source.original(record.sha256)) is None:
                outcome = "missing"
            else:
                rows = conn.execute(
                    "SELECT c.id, c.ordinal, c.page, c.text, c.heading, s.vectors FROM chunks c "
                    "JOIN documents d ON d.id = c.document_id LEFT JOIN chunk_sentences s ON s.chunk_id = c.id "
                    "WHERE d.sha256 = ? ORDER BY c.ordinal, c.id",
                    (record.sha256,),
                ).fetchall()
                vectors = np.stack([index.reconstruct(int(row[0])) for row in rows]) if rows else np.zeros(
                    (0, index.d), dtype="float32")
                doc = NewDocument(name=record.name, sha256=record.sha256, kind=record.type, pages=record.pages,
                                  original=original, chunks=[Chunk(text, page, ordinal, heading)
                                                             for _, ordinal, page, text, heading, _ in rows],
                                  vectors=vectors, embedding_model=model, note=record.note,
                                  collection=record.collection,
                                  sentence_vectors=[sentence_matrix(row[5], index.d) for row in rows])
                target.add_documents([doc], added=record.added)
                outcome = "copied"
            getattr(report, outcome).append(record)
            if on_document:
                on_document(outcome, record)
    return report
