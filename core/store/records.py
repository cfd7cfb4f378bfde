"""Records the store hands to callers: plain data, no database handles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Chunk:
    """A piece of a document as split for retrieval (``core.ingest.splitting``) and stored."""

    text: str
    page: int | None
    ordinal: int
    heading: str | None = None

    def embedding_text(self) -> str:
        return embedding_text(self.text, self.heading)


def embedding_text(text: str, heading: str | None) -> str:
    """What is embedded: the heading gives a chunk the context its own words lack."""
    return f"{heading}\n{text}" if heading else text


@dataclass(frozen=True)
class DocumentRecord:
    name: str
    sha256: str
    kind: str  # "pdf", "docx", ...: the CLI's JSON calls it "type"
    pages: int | None
    chunks: int
    size: int
    added: str
    note: str = ""
    collection: str = ""

    def to_json(self) -> dict:
        """Exactly the keys of the CLI contract (issue 4): scripts compare them."""
        return {"name": self.name, "sha256": self.sha256, "type": self.kind, "pages": self.pages, "chunks": self.chunks,
                "added": self.added}  # built directly: asdict deep-copies, 0.3 s at 10,000 documents


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk. ``score`` depends on who found it: cosine similarity (dense), BM25
    (keyword), the fused score (hybrid) or a cross-encoder's (rerank)."""

    source: str
    page: int | None
    text: str
    score: float
    sha256: str
    chunk_id: int
    heading: str | None = None
    similarity: float | None = None  # cosine to the question, whoever found the chunk

    def to_json(self) -> dict:
        data = {"source": self.source, "page": self.page, "text": self.text, "score": round(self.score, 4)}
        if self.heading:
            data["heading"] = self.heading
        return data


@dataclass(frozen=True)
class NewDocument:
    """A parsed, chunked and (unless ``vectors`` is None) embedded file on its way into the library.

    ``vectors`` None: the document is committed keyword-first, searchable by its words at once, and
    its chunks are listed by ``Store.missing_vectors`` until the background embedder
    (``core.ingest.background``) puts their vectors in; only a store that ``defers_vectors`` takes it."""

    name: str
    sha256: str
    kind: str
    pages: int | None
    original: bytes
    chunks: list[Chunk]
    vectors: np.ndarray | None
    embedding_model: str
    note: str = ""
    collection: str = ""
    replaces: str = ""  # sha256 of an older version that goes out in the same transaction
    # Per chunk, its sentences' vectors (core.ingest.sentences), None for a one-piece chunk;
    # None altogether when sentence vectors are off.
    sentence_vectors: list[np.ndarray | None] | None = None
