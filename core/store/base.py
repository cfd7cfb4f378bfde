"""The store interface: what the app asks of a library, whichever engine holds it.

Two stores implement it: ``Library`` (SQLite + FAISS in the data folder, the default: nothing to
run) and ``PostgresLibrary`` (PostgreSQL + pgvector, for a team: several app instances share one
library). It is a ``Protocol`` so ``Library`` satisfies it as it is; the store contract tests run
the same cases against both. ``open_store`` is the one place that picks by the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from core.settings import Settings
    from core.store.records import DocumentRecord, Hit, NewDocument


@runtime_checkable
class Store(Protocol):
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

    def search(self, query_vector: np.ndarray, k: int, collections: list[str] | None = None) -> list[Hit]:
        """Nearest chunks by cosine similarity (vectors are normalised: inner product)."""
        ...

    def similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]: ...

    def sentence_similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Each chunk's best sentence cosine (``core.ingest.sentences``); chunks without sentence
        vectors are left out."""
        ...

    def keyword_search(self, words: str | None, trigrams: str | None, k: int,
                       collections: list[str] | None = None) -> list[Hit]:
        """``words`` and ``trigrams`` as ``core.retrieval.keyword.build_query`` writes them
        (FTS5 MATCH syntax: quoted terms joined by OR or AND, a ``*`` after a prefix)."""
        ...

    def hits(self, found: list[tuple[int, float]]) -> list[Hit]: ...

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

    # -- writing ---------------------------------------------------------------------------
    def check_embedding_model(self, name: str) -> None:
        """Raise ``LibraryMismatch`` when the library holds vectors of another model."""
        ...

    def add_document(self, **fields) -> DocumentRecord: ...

    def add_documents(self, new: list[NewDocument]) -> list[DocumentRecord]: ...

    def set_collection(self, sha256: str, collection: str) -> None: ...

    def reindex(self, vectors: np.ndarray, ids: np.ndarray, embedding_model: str,
                sentences: list[np.ndarray | None] | None = None) -> None: ...

    def add_vectors(self, vectors: np.ndarray, ids: np.ndarray,
                    sentences: list[np.ndarray | None] | None = None) -> int:
        """Put back the vectors of ``missing_vectors`` chunks; returns how many were added."""
        ...

    def delete_document(self, sha256: str) -> DocumentRecord | None: ...


def open_store(settings: Settings) -> Store:
    """PostgreSQL when ``database_url`` is set, else the embedded library in ``data_dir``.
    Each store imports its engine here, so the default never loads a PostgreSQL driver."""
    if settings.database_url:
        from core.store.postgres import PostgresLibrary

        return PostgresLibrary(settings.database_url)
    from core.store.library import Library

    return Library(settings.data_dir)
