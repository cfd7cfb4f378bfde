"""Ingest one file end to end: sniff, load, split, embed, store; report progress as events.

Every failure becomes an ``IngestResult`` with ``ok=False`` and a one-line message; other
files in the same batch still land and the library is never touched by a failed file.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from langchain_core.embeddings import Embeddings

from core.embeddings import embedding_name
from core.i18n import Text, joined, message_of, say, say_n
from core.ingest.errors import IngestError
from core.ingest.limits import ReadLimits, upload_refusal
from core.ingest.loaders import load
from core.ingest.names import display_name
from core.ingest.records import (
    Chunk,
    IngestResult,
    LoadedFile,
    Page,
    Parsed,
    Progress,
    ProgressCallback,
    TextDocument,
    Upload,
)
from core.ingest.sections import counts_named
from core.ingest.sentences import embed_chunks
from core.ingest.sniff import sniff_kind
from core.ingest.splitting import split_pages
from core.settings import Settings
from core.store.base import LibraryMismatch, Store
from core.store.records import DocumentRecord, NewDocument

T = TypeVar("T")


def _summary(chunks: int, pages: int | None, seconds: float, note: str) -> Text:
    """"12 chunks, 3 pages, 1.2 s (2 pages read with OCR)": what an upload's success says."""
    parts = [say_n("{n} chunk", "{n} chunks", chunks)]
    if pages is not None:
        parts.append(say_n("{n} page", "{n} pages", pages))
    parts.append(say("{seconds:.1f} s", seconds=seconds))
    summary = joined(", ", parts)
    return say("{summary} ({note})", summary=summary, note=note) if note else summary


def ingest_bytes(library: Store, embeddings: Embeddings, settings: Settings, raw_name: str, data: bytes,
                 password: str | None = None, on_progress: ProgressCallback | None = None, collection: str = "",
                 replace: bool = False) -> IngestResult:
    upload = Upload(raw_name, data, password=password, collection=collection, replace=replace)
    report = on_progress or (lambda _event: None)
    parsed = read_upload(library, settings, upload, report)
    return parsed if isinstance(parsed, IngestResult) else store_parsed(library, embeddings, parsed, report)


def read_upload(library: Store, settings: Settings, upload: Upload,
                report: ProgressCallback) -> IngestResult | Parsed:
    """The part of an ingest that needs no model: checks, sniff, load, split. A result when the
    file stops here (an error, a duplicate, a question for the user), else what to embed."""
    started = time.perf_counter()
    name = display_name(upload.name)
    sha = ""

    def run() -> IngestResult | Parsed:
        nonlocal sha
        data = upload.read(settings.max_upload_mb)
        if refusal := upload_refusal(len(data), settings.max_upload_mb):  # refused before hashing
            raise IngestError(refusal)
        sha = hashlib.sha256(data).hexdigest()
        stop, replaces, note = _against_library(library, name, sha, upload.replace, started)
        if stop:
            if stop.duplicate:
                library.restore_original(sha, data)  # the same bytes put back a lost original
            return stop
        kind, loaded, chunks = _parse(settings, name, data, upload.password, report)
        return Parsed(upload, name, sha, data, kind, chunks, loaded.page_count, loaded.note, note, replaces,
                      time.perf_counter() - started, settings.sentence_vectors)

    result = _guarded(name, lambda: sha, started, run)
    if isinstance(result, IngestResult):
        report(Progress(name, "done", 1.0))
    return result


def _parse(settings: Settings, name: str, data: bytes, password: str | None,
           report: ProgressCallback) -> tuple[str, LoadedFile, list[Chunk]]:
    report(Progress(name, "read", 0.0))
    kind = sniff_kind(name, data, settings.max_expanded_mb)
    loaded = load(kind, data, password, lambda done: report(Progress(name, "read", 0.3 * done)),
                  ReadLimits.from_settings(settings))
    loaded = replace(loaded, pages=counts_named(loaded.pages, name))
    report(Progress(name, "split", 0.3))
    chunks = split_pages(loaded.pages, settings.chunk_size, settings.chunk_overlap)
    if not chunks:
        raise IngestError(say("no text found in this file"))
    return kind, loaded, chunks


def store_parsed(library: Store, embeddings: Embeddings, parsed: Parsed,
                 report: ProgressCallback) -> IngestResult:
    """Embed and store a parsed file. The library is asked again first: another file of the same
    batch, or another session, may have added the same bytes or name while this one was read."""
    name, sha = parsed.name, parsed.sha256
    started = time.perf_counter() - parsed.read_seconds

    def run() -> IngestResult:
        if parsed.replaces != sha:  # not a read-again of the stored file itself
            stop, replaces, _ = _against_library(library, name, sha, parsed.upload.replace, started)
            if stop or replaces != parsed.replaces:
                return stop or _replace_changed(name, sha)
        model = embedding_name(embeddings)
        library.check_embedding_model(model)
        later = parsed.upload.defer_vectors and library.defers_vectors
        vectors, sentences = (None, None) if later else embed_chunks(
            embeddings, parsed.chunks, parsed.sentences,
            lambda done: report(Progress(name, "embed", 0.3 + 0.65 * done)))
        assert later or vectors is not None  # _parse refuses a document without chunks
        report(Progress(name, "store", 0.97))
        library.add_documents([NewDocument(
            name=name, sha256=sha, kind=parsed.kind, pages=parsed.pages, original=parsed.data, chunks=parsed.chunks,
            vectors=vectors, sentence_vectors=sentences, embedding_model=model, note=parsed.load_note,
            collection=parsed.upload.collection.strip(), replaces=parsed.replaces,
        )])
        seconds = time.perf_counter() - started
        notes = joined("; ", filter(None, [parsed.load_note, parsed.note]))
        summary = _summary(len(parsed.chunks), parsed.pages, seconds, notes)
        return IngestResult(name, True, summary, sha, len(parsed.chunks), parsed.pages, seconds)

    result = _guarded(name, lambda: sha, started, run)
    report(Progress(name, "done", 1.0))
    return result


def _against_library(library: Store, name: str, sha: str, replace: bool,
                     started: float) -> tuple[IngestResult | None, str, str]:
    """(a result when the file stops here, the sha256 it replaces, a note): same bytes are already
    in; a new version of a name needs the user's yes."""
    existing = library.find(sha)
    if existing:
        return (IngestResult(name, True, say("already in the library as {name}", name=existing.name), sha,
                             existing.chunks, existing.pages, time.perf_counter() - started, True), "", "")
    previous = library.find_by_name(name)
    if previous and not replace:
        asked = say("another version of {name} is already in the library (added {added}); confirm to replace it",
                    name=name, added=previous.added[:10])
        return IngestResult(name, False, asked, sha, needs="replace"), "", ""
    if previous:
        return None, previous.sha256, say("replaced the version added {added}", added=previous.added[:10])
    return None, "", ""


def _replace_changed(name: str, sha: str) -> IngestResult:
    return IngestResult(name, False, say("{name} changed in the library while this file was read; confirm again to "
                                         "replace it", name=name), sha, needs="replace")


def reread(library: Store, embeddings: Embeddings, settings: Settings, sha256: str,
           on_progress: ProgressCallback | None = None) -> IngestResult:
    """Parse a stored original again and swap its passages in (new chunk settings, a better
    loader). Passwords are never stored, so an encrypted PDF says it needs its password."""
    started = time.perf_counter()
    report = on_progress or (lambda _event: None)
    record = library.find(sha256)
    data = library.original(sha256)
    if record is None or data is None:
        return IngestResult(sha256[:12], False, say("not in the library (or its stored file is missing)"), sha256)

    def run() -> IngestResult | Parsed:
        kind, loaded, chunks = _parse(settings, record.name, data, None, report)
        upload = Upload(record.name, data, collection=record.collection, replace=True)
        return Parsed(upload, record.name, sha256, data, kind, chunks, loaded.page_count, loaded.note,
                      say("read again"), sha256, time.perf_counter() - started, settings.sentence_vectors)

    parsed = _guarded(record.name, lambda: sha256, started, run)
    if isinstance(parsed, IngestResult):
        report(Progress(record.name, "done", 1.0))
        return parsed
    return store_parsed(library, embeddings, parsed, report)


def _guarded(name: str, sha: Callable[[], str], started: float, run: Callable[[], T]) -> T | IngestResult:
    """Every failure becomes a result with a message (the error's own Text, so a page can say it in
    the reader's language; an unexpected error's words stay as the library raised them)."""
    try:
        return run()
    except (IngestError, LibraryMismatch) as exc:
        return IngestResult(name, False, message_of(exc), sha(), seconds=time.perf_counter() - started,
                            needs=getattr(exc, "needs", ""))
    except Exception as exc:  # noqa: BLE001 - a bad file must never take the app down
        reason = say("could not be read ({error}: {reason})", error=type(exc).__name__, reason=str(exc))
        return IngestResult(name, False, reason, sha(), seconds=time.perf_counter() - started)


def add_texts(library: Store, embeddings: Embeddings, settings: Settings,
              documents: list[TextDocument]) -> list[DocumentRecord]:
    """Documents that arrive as text (eval paragraphs), split and embedded as a file's pages would
    be, in one embedding pass and one transaction for the batch (an eval library of 2,000
    paragraphs builds in batches, not 2,000 index writes)."""
    model = embedding_name(embeddings)
    library.check_embedding_model(model)
    split = [split_pages([Page(d.text, None, heading=d.heading)], settings.chunk_size, settings.chunk_overlap)
             for d in documents]
    vectors, sentences = embed_chunks(embeddings, [c for chunks in split for c in chunks], settings.sentence_vectors)
    if vectors is None:  # no text in any of them
        return []
    new, start = [], 0
    for doc, chunks in zip(documents, split, strict=True):
        end = start + len(chunks)
        new.append(NewDocument(doc.name, doc.sha256, "txt", None, doc.text.encode(), chunks, vectors[start:end],
                               model, collection=doc.collection,
                               sentence_vectors=sentences[start:end] if sentences else None))
        start = end
    return library.add_documents(new)
