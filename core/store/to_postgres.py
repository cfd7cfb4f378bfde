"""Copy a library into another store without re-embedding: ``python -m core migrate --to postgres
URL`` copies the embedded library (SQLite + FAISS) into PostgreSQL.

The source's ``export`` hands each document with its stored vectors, so the target answers as
the source did, with no model loaded. One transaction per document: an interrupted copy keeps
what it finished, and a second run skips every document already there (by sha256), so the
command is safe to repeat. The source is only read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.store.base import Store
from core.store.records import DocumentRecord


@dataclass
class Migration:
    copied: list[DocumentRecord] = field(default_factory=list)
    skipped: list[DocumentRecord] = field(default_factory=list)  # already in the target
    missing: list[DocumentRecord] = field(default_factory=list)  # stored file gone: not copied

    @property
    def chunks(self) -> int:
        return sum(d.chunks for d in self.copied)


def copy_library(source: Store, target: Store,
                 on_document: Callable[[str, DocumentRecord], None] | None = None) -> Migration:
    """Copy every document of ``source`` that ``target`` lacks; ``on_document(outcome, record)``
    is told "copied", "skipped" or "missing" for each. Raises ``LibraryMismatch`` before copying
    anything when ``target`` holds vectors of another embedding model."""
    report = Migration()
    model = source.meta("embedding_model")
    if source.is_empty() or model is None:
        return report
    target.check_embedding_model(model)
    for record, doc in source.export():
        if target.find(record.sha256) is not None:
            outcome = "skipped"
        elif doc is None:
            outcome = "missing"
        else:
            target.add_documents([doc], added=record.added)
            outcome = "copied"
        getattr(report, outcome).append(record)
        if on_document:
            on_document(outcome, record)
    return report
