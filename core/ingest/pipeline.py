"""Ingest one file end to end: sniff, load, split, embed, store; report progress as events.

Every failure becomes an ``IngestResult`` with ``ok=False`` and a one-line message; other
files in the same batch still land and the library is never touched by a failed file.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings

from core.embeddings import embed_matrix, embedding_name
from core.ingest.errors import IngestError
from core.ingest.loaders import load
from core.ingest.names import display_name
from core.ingest.sniff import sniff_kind
from core.ingest.splitting import split_pages
from core.settings import Settings
from core.store.library import Library, LibraryMismatch
from core.text import plural

EMBED_BATCH = 64


@dataclass(frozen=True)
class Progress:
    """``fraction`` is for this file (0..1); ``stage`` is read / split / embed / store / done."""

    name: str
    stage: str
    fraction: float


@dataclass(frozen=True)
class IngestResult:
    name: str
    ok: bool
    message: str
    sha256: str = ""
    chunks: int = 0
    pages: int | None = None
    seconds: float = 0.0
    duplicate: bool = False
    needs: str = ""  # what a retry needs from the user: "password" or "replace" (a confirmation)

    def line(self) -> str:
        if not self.ok:
            return f"error  {self.name}: {self.message}"
        return f"ok     {self.name}: {self.message}"


ProgressCallback = Callable[[Progress], None]


def _summary(chunks: int, pages: int | None, seconds: float, note: str) -> str:
    parts = [plural(chunks, "chunk")]
    if pages is not None:
        parts.append(plural(pages, "page"))
    parts.append(f"{seconds:.1f} s")
    return ", ".join(parts) + (f" ({note})" if note else "")


def embed_in_slices(embeddings: Embeddings, texts: list[str], on_done: Callable[[float], None]):
    """Embed in slices so progress can be shown, slicing in length order: each encode call pads
    to its longest text, so slices of similar length run at raw ``encode`` speed (0.99 vs 0.82
    of one big call in file order; bench/embed_batching.py)."""
    import numpy as np

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors = None
    for start in range(0, len(order), EMBED_BATCH):
        rows = order[start : start + EMBED_BATCH]
        batch = embed_matrix(embeddings, [texts[i] for i in rows])
        if vectors is None:
            vectors = np.empty((len(texts), batch.shape[1]), dtype="float32")
        vectors[rows] = batch
        on_done(min(1.0, (start + len(rows)) / len(order)))
    return vectors


def ingest_bytes(
    library: Library,
    embeddings: Embeddings,
    settings: Settings,
    raw_name: str,
    data: bytes,
    password: str | None = None,
    on_progress: ProgressCallback | None = None,
    collection: str = "",
    replace: bool = False,
) -> IngestResult:
    """``replace``: the user confirmed that these bytes replace the document of the same name."""
    started = time.perf_counter()
    name = display_name(raw_name)
    report = on_progress or (lambda _event: None)
    too_big = len(data) > settings.max_upload_mb * 1024 * 1024
    sha = "" if too_big else hashlib.sha256(data).hexdigest()  # no need to hash what is refused

    def run() -> IngestResult:
        if too_big:
            raise IngestError(f"file is {len(data) / 1024 / 1024:.1f} MB, larger than the "
                              f"{settings.max_upload_mb} MB limit")
        existing = library.find(sha) if data else None
        if existing:
            return IngestResult(name, True, f"already in the library as {existing.name}", sha,
                                existing.chunks, existing.pages, time.perf_counter() - started, True)
        previous = library.find_by_name(name)
        if previous and not replace:
            return IngestResult(name, False, f"another version of {name} is already in the library "
                                f"(added {previous.added[:10]}); confirm to replace it", sha, needs="replace")
        note = f"replaced the version added {previous.added[:10]}" if previous else ""
        return _read_and_store(library, embeddings, settings, name, data, sha, password, report, collection,
                               previous.sha256 if previous else "", note, started)

    return _guarded(name, sha, started, report, run)


def reread(library: Library, embeddings: Embeddings, settings: Settings, sha256: str,
           on_progress: ProgressCallback | None = None) -> IngestResult:
    """Parse a stored original again and swap its passages in (new chunk settings, a better
    loader). Passwords are never stored, so an encrypted PDF says it needs its password."""
    started = time.perf_counter()
    report = on_progress or (lambda _event: None)
    record = library.find(sha256)
    data = library.original(sha256)
    if record is None or data is None:
        return IngestResult(sha256[:12], False, "not in the library (or its stored file is missing)", sha256)
    return _guarded(record.name, sha256, started, report, lambda: _read_and_store(
        library, embeddings, settings, record.name, data, sha256, None, report, record.collection, sha256,
        "read again", started))


def _guarded(name: str, sha: str, started: float, report: ProgressCallback,
             run: Callable[[], IngestResult]) -> IngestResult:
    """Every failure becomes a result with a message; the progress always ends at "done"."""
    try:
        result = run()
    except (IngestError, LibraryMismatch) as exc:
        result = IngestResult(name, False, str(exc), sha, seconds=time.perf_counter() - started,
                              needs=getattr(exc, "needs", ""))
    except Exception as exc:  # noqa: BLE001 - a bad file must never take the app down
        reason = f"could not be read ({type(exc).__name__}: {exc})"
        result = IngestResult(name, False, reason, sha, seconds=time.perf_counter() - started)
    report(Progress(name, "done", 1.0))
    return result


def _read_and_store(library: Library, embeddings: Embeddings, settings: Settings, name: str, data: bytes,
                    sha: str, password: str | None, report: ProgressCallback, collection: str, replaces: str,
                    note: str, started: float) -> IngestResult:
    report(Progress(name, "read", 0.0))
    kind = sniff_kind(name, data)
    loaded = load(kind, data, password, lambda done: report(Progress(name, "read", 0.3 * done)))
    report(Progress(name, "split", 0.3))
    chunks = split_pages(loaded.pages, settings.chunk_size, settings.chunk_overlap)
    if not chunks:
        raise IngestError("no text found in this file")
    model = embedding_name(embeddings)
    library.check_embedding_model(model)
    vectors = embed_in_slices(embeddings, [c.embedding_text() for c in chunks],
                              lambda done: report(Progress(name, "embed", 0.3 + 0.65 * done)))
    report(Progress(name, "store", 0.97))
    library.add_document(
        name=name, sha256=sha, kind=kind, pages=loaded.page_count, original=data, chunks=chunks,
        vectors=vectors, embedding_model=model, note=loaded.note, collection=collection.strip(), replaces=replaces,
    )
    seconds = time.perf_counter() - started
    summary = _summary(len(chunks), loaded.page_count, seconds, "; ".join(filter(None, [loaded.note, note])))
    return IngestResult(name, True, summary, sha, len(chunks), loaded.page_count, seconds)


def ingest_paths(
    library: Library,
    embeddings: Embeddings,
    settings: Settings,
    paths: Iterable[Path],
    password: str | None = None,
    on_progress: ProgressCallback | None = None,
    collection: str = "",
    replace: bool = False,
) -> list[IngestResult]:
    results = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            results.append(IngestResult(display_name(str(path)), False, f"cannot read file ({exc.strerror})"))
            continue
        results.append(ingest_bytes(library, embeddings, settings, str(path), data, password, on_progress,
                                    collection, replace))
    return results
