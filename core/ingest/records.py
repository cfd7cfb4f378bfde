"""Plain records passed between the ingest steps, the store and the views."""

from __future__ import annotations

from dataclasses import dataclass


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
class Chunk:
    text: str
    page: int | None
    ordinal: int
    heading: str | None = None

    def embedding_text(self) -> str:
        return embedding_text(self.text, self.heading)


def embedding_text(text: str, heading: str | None) -> str:
    """What is embedded: the heading gives a chunk the context its own words lack."""
    return f"{heading}\n{text}" if heading else text
