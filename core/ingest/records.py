"""Plain records passed between the ingest steps, the store and the views."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """Text of one page (PDF, 1-based) or of a whole file when pages are unknown (``number`` None)."""

    text: str
    number: int | None


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
