"""Records the store hands to callers: plain data, no database handles."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class DocumentRecord:
    name: str
    sha256: str
    type: str
    pages: int | None
    chunks: int
    size: int
    added: str
    note: str = ""

    def to_json(self) -> dict:
        data = asdict(self)
        return {k: data[k] for k in ("name", "sha256", "type", "pages", "chunks", "added")}


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk; ``score`` is the cosine similarity to the query."""

    source: str
    page: int | None
    text: str
    score: float
    sha256: str
    chunk_id: int

    def to_json(self) -> dict:
        return {"source": self.source, "page": self.page, "text": self.text, "score": round(self.score, 4)}
