"""The app's one entry point into the core, shared by the CLI and the pages.

Heavy parts (the embedding model, FAISS, an LLM) are created on first use, so a page or a
``list`` command never pays for a model it does not need.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from core.settings import Settings
from core.store.library import Library
from core.store.records import DocumentRecord, Hit

if TYPE_CHECKING:  # imported where used: `list` and the Home page need none of LangChain
    from langchain_core.embeddings import Embeddings

    from core.chat.engine import ChatEngine
    from core.ingest.pipeline import IngestResult, ProgressCallback
    from core.llms.loaded import LoadedLLM
    from core.retrieval.dense import LibraryRetriever


class DocChat:
    def __init__(self, settings: Settings, embeddings: Embeddings | None = None) -> None:
        self.settings = settings
        self._embeddings = embeddings
        self._lock = threading.Lock()
        self._warming: set[str] = set()

    @cached_property
    def library(self) -> Library:
        return Library(self.settings.data_dir)

    @property
    def embeddings(self) -> Embeddings:
        with self._lock:
            if self._embeddings is None:
                from core.embeddings import LocalEmbeddings

                self._embeddings = LocalEmbeddings(self.settings.embedding_model)
            return self._embeddings

    def ingest_file(self, name: str, data: bytes, password: str | None = None,
                    on_progress: ProgressCallback | None = None) -> IngestResult:
        from core.ingest.pipeline import ingest_bytes

        return ingest_bytes(self.library, self.embeddings, self.settings, name, data, password, on_progress)

    def ingest_paths(self, paths: list[Path], password: str | None = None,
                     on_progress: ProgressCallback | None = None) -> list[IngestResult]:
        from core.ingest.pipeline import ingest_paths

        return ingest_paths(self.library, self.embeddings, self.settings, paths, password, on_progress)

    def find_documents(self, ref: str) -> list[DocumentRecord]:
        """Documents named ``ref``, or whose sha256 is or starts with ``ref`` (6+ hex characters)."""
        docs = self.library.documents()
        by_hash = [d for d in docs if d.sha256 == ref or (len(ref) >= 6 and d.sha256.startswith(ref.lower()))]
        return by_hash or [d for d in docs if d.name == ref]

    def delete(self, sha256: str) -> DocumentRecord | None:
        return self.library.delete_document(sha256)

    def search(self, question: str, k: int | None = None) -> list[Hit]:
        if self.library.vector_count() == 0:
            return []  # nothing to find: do not load the embedding model for it
        from core.retrieval.dense import search

        return search(self.library, self.embeddings, question, k or self.settings.k)

    def retriever(self, k: int | None = None) -> LibraryRetriever:
        from core.retrieval.dense import LibraryRetriever

        return LibraryRetriever(library=self.library, embeddings=self.embeddings, k=k or self.settings.k)

    def engine(self, llm: LoadedLLM) -> ChatEngine:
        from core.chat.engine import ChatEngine

        return ChatEngine(self.retriever(), llm)

    def warm_up(self, llm_name: str) -> None:
        """Load the embedder and the model in the background while the user types a question,
        so the first answer does not pay for loading them. Errors surface later, when asked."""
        with self._lock:
            if llm_name in self._warming:
                return
            self._warming.add(llm_name)

        def load() -> None:
            from core.llms.registry import LLMUnavailable, load_llm

            try:
                self.embeddings  # noqa: B018 - loading is the point
                load_llm(llm_name, self.settings)
            except (LLMUnavailable, OSError):
                pass

        threading.Thread(target=load, name=f"warm-up {llm_name}", daemon=True).start()
