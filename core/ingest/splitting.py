"""Chunking with langchain-text-splitters, one page (or section) at a time so every chunk keeps
its page and heading. Tables are kept whole up to twice the chunk size; a longer table is cut
between rows and each piece starts with the header row, so a row never loses its columns.

Control characters leave the text here, whatever the format: a TeX math font's glyph without a Unicode
mapping comes out of pypdf as NUL (81 of the German lecture notes' pages), which PostgreSQL cannot store
in a text column and which a reader cannot see. Each becomes U+FFFD (shown as �, "a sign that could not
be read"); vertical tab and form feed are line breaks."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from core.ingest.records import Chunk, Page

if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

TABLE_WHOLE_FACTOR = 2
_UNREADABLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BREAKS = re.compile(r"[\x0b\x0c]")


def readable(text: str) -> str:
    """``text`` without control characters (see the module's docstring); tabs and newlines stay."""
    return _UNREADABLE.sub("\ufffd", _BREAKS.sub("\n", text))


def _text_splitter(chunk_size: int, chunk_overlap: int, separators: list[str]) -> RecursiveCharacterTextSplitter:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                                          separators=separators, keep_separator="end")


def _is_data_row(line: str) -> bool:
    return sum(any(ch.isdigit() for ch in cell) for cell in line.split(" | ")) >= 3


def _table_pieces(text: str, chunk_size: int) -> list[str]:
    """The header is every line before the first row of data (titles and column names)."""
    if len(text) <= TABLE_WHOLE_FACTOR * chunk_size:
        return [text]
    lines = text.split("\n")
    first_data = next((i for i, line in enumerate(lines) if _is_data_row(line)), 1)
    header, rows = "\n".join(lines[:max(first_data, 1)]), "\n".join(lines[max(first_data, 1):])
    pieces = _text_splitter(max(chunk_size - len(header), chunk_size // 2), 0, ["\n", " ", ""]).split_text(rows)
    return [f"{header}\n{piece.strip()}" for piece in pieces]


def split_pages(pages: list[Page], chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    splitter = _text_splitter(chunk_size, chunk_overlap, ["\n\n", "\n", ". ", "。", " ", ""])
    chunks: list[Chunk] = []
    for page in pages:
        clean = readable(page.text)
        heading = readable(page.heading) if page.heading else page.heading
        pieces = _table_pieces(clean, chunk_size) if page.table else splitter.split_text(clean)
        for text in pieces:
            text = text.strip()
            if text:
                chunks.append(Chunk(text=text, page=page.number, ordinal=len(chunks), heading=heading))
    return chunks
