"""Plain records passed between the ingest steps, the store and the views: a floor below the
steps, so the pipeline, the batch runner and the pages import them without importing each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.i18n import Text, joined, say
from core.ingest.errors import IngestError
from core.ingest.limits import MB, upload_refusal
from core.store.records import Chunk, embedding_text

__all__ = ["Chunk", "IngestResult", "LoadedFile", "Page", "Parsed", "Progress", "ProgressCallback", "TextDocument",
           "Upload", "embedding_text"]

Stage = Literal["read", "split", "embed", "store", "done"]
Needs = Literal["", "password", "replace"]


@dataclass(frozen=True)
class Page:
    """Text of one page (PDF, 1-based) or of a whole file when pages are unknown (``number`` None)."""

    text: str
    number: int | None
    heading: str | None = None  # the section this text sits under (Markdown, HTML, DOCX titles)
    table: bool = False  # one row per line, header first: split between rows, header repeated


@dataclass(frozen=True)
class LoadedFile:
    kind: str
    pages: list[Page]
    page_count: int | None
    note: str = ""


@dataclass(frozen=True)
class Progress:
    """``fraction`` is for this file (0..1); ``stage`` is read / split / embed / store / done;
    ``overall`` is for the whole batch (0..1, never goes back), and ``file`` / ``files`` its place
    in it (1-based), set by ``core.ingest.batch``; ``done`` how many files of the batch are finished."""

    name: str
    stage: Stage
    fraction: float
    overall: float | None = None
    file: int = 1
    files: int = 1
    done: int = 0

    def words(self) -> Text:
        """The event as a user reads it: which file, what is happening to it, what is left."""
        doing = STAGE_WORDS[self.stage]
        if self.files == 1:
            return say("{name}: {doing}", name=self.name, doing=doing)
        left = self.files - self.done
        if not left:
            return say("File {file} of {files}, {name}: {doing}", file=self.file, files=self.files, name=self.name,
                       doing=doing)
        return say("File {file} of {files}, {name}: {doing} ({left} of {files} files still to finish)",
                   file=self.file, files=self.files, name=self.name, doing=doing, left=left)


STAGE_WORDS: dict[Stage, Text] = {"read": say("reading the file"), "split": say("cutting it into passages"),
                                  "embed": say("indexing its passages for search"),
                                  "store": say("saving it to the library"), "done": say("finished")}


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
    needs: Needs = ""  # what a retry needs from the user: a password, or a yes to replace

    def line(self) -> Text:
        """``ok     name: message`` for the CLI; the marks and the name stay as they are in any language."""
        return joined("", ["ok     " if self.ok else "error  ", self.name, ": ", self.message])


ProgressCallback = Callable[[Progress], object]  # what it returns is ignored (a Streamlit bar returns itself)


@dataclass(frozen=True)
class Upload:
    """One file to add: its bytes, or a path read when its turn comes (``core.ingest.batch``)."""

    name: str
    data: bytes | None = None
    path: Path | None = None
    password: str | None = None
    collection: str = ""
    replace: bool = False  # the user confirmed that these bytes replace the document of the same name
    # Commit keyword-first, vectors later (core.ingest.background), where the store can wait for them
    defer_vectors: bool = False

    def read(self, max_upload_mb: int | None = None) -> bytes:
        """The bytes; a file on disk larger than ``max_upload_mb`` is refused from its size on disk,
        before any of it is read, and never more than the limit is read (a file that grows, a device)."""
        if self.data is not None:
            return self.data
        path = Path(self.path or self.name)
        try:
            if max_upload_mb is None:
                return path.read_bytes()
            if refusal := upload_refusal(path.stat().st_size, max_upload_mb):
                raise IngestError(refusal)  # a Text: upload_refusal says it
            with path.open("rb") as file:
                return file.read(max_upload_mb * MB + 1)  # one byte more, so the caller's check sees a file that grew
        except OSError as exc:
            raise IngestError(say("cannot read file ({reason})", reason=exc.strerror)) from exc


@dataclass(frozen=True)
class Parsed:
    """A file read and split, waiting for its vectors."""

    upload: Upload
    name: str
    sha256: str
    data: bytes
    kind: str
    chunks: list[Chunk]
    pages: int | None
    load_note: str  # kept with the document ("OCR", "recovered streams")
    note: str  # for this time's message only ("replaced the version added …")
    replaces: str  # sha256 of the document these bytes replace; their own for a read-again
    read_seconds: float  # reading only: waiting for the encoder does not count as this file's time
    sentences: bool = True  # embed each chunk's sentences too (settings.sentence_vectors)


@dataclass(frozen=True)
class TextDocument:
    """A document that arrives as text rather than as a file (an eval paragraph)."""

    name: str
    sha256: str
    text: str
    heading: str | None = None  # kept with every chunk, as a file's section title is
    collection: str = ""
