"""The store contract: everything the app may ask of a library, whichever engine holds it.

Two stores implement it: ``SqliteStore`` (SQLite + FAISS in the data folder, the default: nothing
to run) and ``PostgresStore`` (PostgreSQL + pgvector, for a team: several app instances share one
library). Callers are typed against ``Store`` only, and the type checker in CI holds them to it;
what both stores do alike lives once in ``core.store.rules``; the store contract tests run the
same cases against both. ``core.store.opening.open_store`` is the one place that picks by the settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from core.store.chats import ChatLog
    from core.store.keyword_query import KeywordQuery
    from core.store.records import Chunk, DocumentRecord, Hit, NewDocument
    from core.store.scope import Scope


class LibraryMismatch(Exception):
    """The library was built with another embedding model; mixing vectors would be meaningless."""


@dataclass(frozen=True)
class StoreStats:
    """What the library holds and what it costs on disk (benchmarks and the migration report it)."""

    documents: int
    chunks: int
    vectors: int
    text_bytes: int  # chunk text and headings, UTF-8
    disk_bytes: dict[str, int]  # where the library keeps them: file or table name -> bytes


class Store(Protocol):
    @property
    def chats(self) -> ChatLog:
        """The library's conversations (core.store.chats), in the same database."""
        ...

    # -- reading ---------------------------------------------------------------------------
    def meta(self, key: str) -> str | None: ...

    def documents(self, collections: list[str] | None = None) -> list[DocumentRecord]: ...

    def collections(self) -> list[str]: ...

    def find(self, sha256: str) -> DocumentRecord | None: ...

    def find_by_name(self, name: str) -> DocumentRecord | None: ...

    def original(self, sha256: str) -> bytes | None: ...

    def is_empty(self) -> bool: ...

    def chunk_count(self) -> int: ...

    def vector_count(self) -> int: ...

    @property
    def defers_vectors(self) -> bool:
        """Whether ``add_documents`` takes a document without vectors (``NewDocument.vectors`` None),
        committed keyword-first and embedded afterwards."""
        ...

    def pending_documents(self) -> dict[str, tuple[int, int]]:
        """Documents whose chunks lack vectors: sha256 -> (chunks without a vector, chunks). Empty when
        every vector is in (keyword search already finds them all)."""
        ...

    def search(self, query_vector: np.ndarray, k: int, scope: Scope | None = None) -> list[Hit]:
        """Nearest chunks by cosine similarity (vectors are normalised: inner product), only those
        of ``scope`` (``core.store.scope``; None: the whole library). The scope limits the search
        itself, not its results: k hits come back whenever the scope holds k chunks."""
        ...

    def similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]: ...

    def sentence_similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Each chunk's best sentence cosine (``core.ingest.sentences``); chunks without sentence
        vectors are left out."""
        ...

    def keyword_search(self, query: KeywordQuery, k: int, scope: Scope | None = None) -> list[Hit]:
        """BM25-ranked chunks for the query's terms (``core.retrieval.keyword.build_query``) within
        ``scope``; a chunk found by both the word and the trigram index has its two scores added."""
        ...

    def document_chunks(self, sha256: str) -> list[tuple[int, Chunk]]:
        """A document's chunks in reading order, with their ids (a source shown in its context)."""
        ...

    def chunk_texts(self, ids: list[int] | None = None) -> list[tuple[int, str, str | None]]:
        """(id, text, heading) of every chunk, or of those in ``ids``, for re-indexing."""
        ...

    def missing_vectors(self) -> list[int]:
        """Chunk ids whose vector is missing (derived data lost or not trusted): rows stay, and
        ``DocChat.repair`` embeds their text again."""
        ...

    def missing_originals(self) -> list[DocumentRecord]:
        """Documents whose stored original is gone: reported, never dropped."""
        ...

    def restore_original(self, sha256: str, data: bytes) -> bool:
        """Put back a listed document's missing original (the same bytes uploaded again)."""
        ...

    def export(self) -> Iterator[tuple[DocumentRecord, NewDocument | None]]:
        """Every document with its chunks, vectors and original, as ``add_documents`` takes them
        (a copy into another store keeps them without re-embedding); None when the original is
        gone. Raises when vectors are missing (``DocChat.repair`` first)."""
        ...

    def stats(self) -> StoreStats: ...

    def close(self) -> None:
        """Let go of connections; the store is not used afterwards."""
        ...

    # -- writing ---------------------------------------------------------------------------
    def check_embedding_model(self, name: str) -> None:
        """Raise ``LibraryMismatch`` when the library holds vectors of another model."""
        ...

    def add_documents(self, new: list[NewDocument], added: str | None = None) -> list[DocumentRecord]:
        """Add documents (rows, vectors, originals) in one commit. Documents already present are
        returned as they are; one that ``replaces`` another takes its place in the same commit,
        so readers see the old version or the new one. ``added``: keep a timestamp (a copy)."""
        ...

    def set_collection(self, sha256: str, collection: str) -> None: ...

    def reindex(self, vectors: np.ndarray, ids: np.ndarray, embedding_model: str,
                sentences: list[np.ndarray | None] | None = None) -> None: ...

    def add_vectors(self, vectors: np.ndarray, ids: np.ndarray,
                    sentences: list[np.ndarray | None] | None = None) -> int:
        """Put back the vectors of ``missing_vectors`` chunks; returns how many were added."""
        ...

    def delete_document(self, sha256: str) -> DocumentRecord | None: ...
