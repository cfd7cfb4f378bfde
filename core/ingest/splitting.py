"""Chunking with langchain-text-splitters, one page at a time so every chunk keeps its page."""

from __future__ import annotations

from core.ingest.records import Chunk, Page


def split_pages(pages: list[Page], chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=["\n\n", "\n", ". ", "。", " ", ""],
        keep_separator="end",
    )
    chunks: list[Chunk] = []
    for page in pages:
        for text in splitter.split_text(page.text):
            text = text.strip()
            if text:
                chunks.append(Chunk(text=text, page=page.number, ordinal=len(chunks), heading=page.heading))
    return chunks
