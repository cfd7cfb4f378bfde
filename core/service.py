"""The app's one entry point into the core, shared by the CLI and the pages.

``DocChat``'s methods are everything the pages and the CLI may ask: the library's documents and
collections, ingest, search, answers, the model to answer with, and upkeep (repair, re-index).
They never reach the store itself (a test holds them to that); ``store`` is there for the evals,
benchmarks and tests that measure it. Heavy parts (the embedding model, FAISS, an LLM) are
created on first use, so a page or a ``list`` command never pays for a model it does not need.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from core.service_conversations import Conversations
from core.settings import Settings
from core.store.base import Store
from core.store.opening import open_store
from core.store.records import Chunk, DocumentRecord, Hit
from core.store.scope import Scope, limiting

if TYPE_CHECKING:  # imported where used: `list` and the Home page need none of LangChain
    from langchain_core.embeddings import Embeddings

    from core.chat.engine import ChatEngine
    from core.embeddings.remembered import RememberedVectors
    from core.ingest.records import IngestResult, ProgressCallback, Upload
    from core.llms.loaded import LoadedLLM
    from core.llms.registry import LLMOption
    from core.page_view import PageView
    from core.retrieval.rerank import CrossEncoderReranker
    from core.retrieval.retriever import Retrieval, Retrieved
    from core.store.to_postgres import Migration


class DocChat(Conversations):
    def __init__(self, settings: Settings, embeddings: Embeddings | None = None) -> None:
        self.settings = settings
        self._embeddings = embeddings
        self._lock = threading.Lock()
        self._warming: set[str] = set()

    @cached_property
    def store(self) -> Store:
        """The embedded library in data_dir, or PostgreSQL when database_url is set."""
        return open_store(self.settings)

    # -- the library -------------------------------------------------------------------------
    def documents(self, collections: list[str] | None = None) -> list[DocumentRecord]:
        """Every document, oldest first, or those in ``collections``."""
        return self.store.documents(collections)

    def documents_in(self, scope: Scope | None) -> list[DocumentRecord]:
        """The documents a question in ``scope`` searches, oldest first (None: the whole library): what
        a chat says it answers from, and what its examples are drawn from."""
        if (scope := limiting(scope)) is None:
            return self.store.documents()
        held = self.store.documents(None if scope.collections is None else list(scope.collections))
        return held if scope.documents is None else [d for d in held if d.sha256 in scope.documents]

    def has_documents(self) -> bool:
        """One row lookup: the Chat page asks it on every rerun."""
        return not self.store.is_empty()

    def collections(self) -> list[str]:
        """The collections in use, by name (documents in none are not a collection)."""
        return [c for c in self.store.collections() if c]

    def original(self, sha256: str) -> bytes | None:
        """The uploaded file as it was, for download."""
        return self.store.original(sha256)

    def page_view(self, sha256: str, page: int, passage: str) -> PageView | None:
        """A cited PDF page as an image with the passage marked (core/page_view.py); None when the
        stored file is gone, is not a PDF, or cannot be opened without its password."""
        import pypdfium2 as pdfium

        from core.page_view import page_view

        original = self.store.original(sha256)
        if original is None or b"%PDF" not in original[:1024]:
            return None
        try:
            return page_view(original, page, passage)
        except (pdfium.PdfiumError, ValueError):
            return None

    def passages(self, sha256: str) -> list[tuple[int, Chunk]]:
        """A document's passages in reading order, with their ids: a source shown among its neighbours."""
        return self.store.document_chunks(sha256)

    def set_collection(self, sha256: str, collection: str | None) -> None:
        """Move a document to a collection; None or "" takes it out of any."""
        self.store.set_collection(sha256, collection or "")

    def built_with(self) -> str | None:
        """The embedding model the library's vectors come from (None: nothing indexed yet)."""
        return self.store.meta("embedding_model")

    def missing_vectors(self) -> int:
        """How many passages have no vector (derived data lost): ``repair`` rebuilds them."""
        return len(self.store.missing_vectors())

    def missing_originals(self) -> list[DocumentRecord]:
        """Documents whose stored file is gone: listed, searchable, not downloadable."""
        return self.store.missing_originals()

    @property
    def embeddings(self) -> Embeddings:
        with self._lock:
            if self._embeddings is None:
                from core.embeddings import load_embeddings

                self._embeddings = load_embeddings(self.settings.embedding_model)
            return self._embeddings

    def embeddings_if_loaded(self) -> Embeddings | None:
        return self._embeddings

    def ingest_file(self, name: str, data: bytes, password: str | None = None,
                    on_progress: ProgressCallback | None = None, collection: str = "",
                    replace: bool = False) -> IngestResult:
        from core.ingest.pipeline import ingest_bytes

        return ingest_bytes(self.store, self.embeddings, self.settings, name, data, password, on_progress,
                            collection, replace)

    def ingest_paths(self, paths: list[Path], password: str | None = None,
                     on_progress: ProgressCallback | None = None, collection: str = "",
                     replace: bool = False) -> list[IngestResult]:
        from core.ingest.batch import ingest_paths

        return ingest_paths(self.store, self.embeddings, self.settings, paths, password, on_progress,
                            collection, replace)

    def ingest_uploads(self, uploads: list[Upload],
                       on_progress: ProgressCallback | None = None) -> Iterator[IngestResult]:
        """Several files, the next one read while this one is embedded; results as they land."""
        from core.ingest.batch import ingest_all

        return ingest_all(self.store, self.embeddings, self.settings, uploads, on_progress)

    def reread(self, sha256: str, on_progress: ProgressCallback | None = None) -> IngestResult:
        """Read one stored document again with the current loaders and chunk settings."""
        from core.ingest.pipeline import reread

        return reread(self.store, self.embeddings, self.settings, sha256, on_progress)

    def reindex(self, on_progress: Callable[[float], object] | None = None) -> int:
        """Re-embed the whole library with the configured embedding model; returns the chunk count."""
        from core.ingest.reindex import reindex

        return reindex(self.store, self.embeddings, on_progress, self.settings.sentence_vectors)

    def repair(self, on_progress: Callable[[float], object] | None = None) -> int:
        """Rebuild missing vectors from the stored passages (rows are the source of truth) now, in
        this thread; returns how many (0 when another process is already embedding them)."""
        report = on_progress or (lambda _done: None)
        return self.embed_pending(lambda done, total: report(done / total if total else 1.0)) or 0

    def passage_count(self) -> int:
        """Changes whenever a document is added, replaced or removed, here or by another process (one query)."""
        return self.store.chunk_count()

    def pending(self) -> dict[str, tuple[int, int]]:
        """Documents still waiting for (some of) their vectors: sha256 -> (waiting, chunks)."""
        return self.store.pending_documents()

    def embedding_elsewhere(self) -> bool:
        """Another process (or this app's background thread) is embedding this library's waiting chunks."""
        from core.ingest.background import claimed_elsewhere

        return claimed_elsewhere(self.settings.data_dir)

    def embed_pending(self, on_progress: Callable[[int, int], object] | None = None, *,
                      should_wait: Callable[[], bool] | None = None, stop: threading.Event | None = None) -> int | None:
        """Embed the chunks that lack vectors (documents committed keyword-first, or an index that
        was lost) in committed batches, as this data dir's one embedder (``core.ingest.background``).
        None: another process is that embedder. Left to ``reindex`` when the configured model is not
        the library's. ``should_wait``: pause while true (default: while a model of this process
        answers)."""
        from core.embeddings import embedding_name
        from core.ingest.background import claim, embed_pending
        from core.llms.loaded import generating

        with claim(self.settings.data_dir) as mine:
            # Listed under the claim, once: what another embedder committed before it is not looked for
            # again, and the run starts from this list instead of taking it again over every chunk id.
            if not (todo := self.store.missing_vectors()):
                return 0
            built_with = self.built_with()
            if built_with and built_with != embedding_name(self.embeddings):
                return 0  # vectors of another model cannot be mixed in: a re-index rebuilds them all
            if not mine:
                return None
            return embed_pending(self.store, self.embeddings, self.settings.sentence_vectors, todo=todo,
                                 should_wait=should_wait or generating, stop=stop,
                                 on_progress=on_progress or (lambda _done, _total: None))

    def needs_reindex(self) -> str | None:
        """The model the library was built with, when it is not the configured one."""
        from core.embeddings import canonical_name

        built_with = self.built_with()
        wanted = canonical_name(self.settings.embedding_model)
        return built_with if built_with and built_with != wanted and not self.store.is_empty() else None

    def find_documents(self, ref: str) -> list[DocumentRecord]:
        """Documents named ``ref``, or whose sha256 is or starts with ``ref`` (6+ hex characters)."""
        docs = self.store.documents()
        by_hash = [d for d in docs if d.sha256 == ref or (len(ref) >= 6 and d.sha256.startswith(ref.lower()))]
        return by_hash or [d for d in docs if d.name == ref]

    def delete(self, sha256: str) -> DocumentRecord | None:
        return self.store.delete_document(sha256)

    def search(self, question: str, k: int | None = None, mode: str | None = None,
               collections: list[str] | None = None, *, scope: Scope | None = None) -> list[Hit]:
        """Only the passages of ``scope`` (None: the whole library); ``collections`` is the older way
        to say ``scope=Scope.of(collections)`` and still works."""
        if self.store.is_empty():
            return []  # nothing to find: do not load the embedding model for it
        return self.retrieval(mode, collections, scope=scope).search(question, k or self.settings.k)

    def retrieve(self, question: str, k: int | None = None, collections: list[str] | None = None, *,
                 scope: Scope | None = None) -> Retrieved:
        from core.retrieval.retriever import Retrieved

        if self.store.is_empty():
            return Retrieved([], False)
        return self.retrieval(collections=collections, scope=scope).retrieve(question, k or self.settings.k)

    def retrieval(self, mode: str | None = None, collections: list[str] | None = None, *,
                  scope: Scope | None = None) -> Retrieval:
        from core.embeddings import embedding_name, min_similarity
        from core.retrieval.centering import centering_for
        from core.retrieval.retriever import Retrieval

        s = self.settings
        mode, scope = mode or s.retriever, _scoped(scope, collections)
        if mode == "keyword":  # no embedder needed, nor loaded
            return Retrieval(self.store, self.embeddings_if_loaded(), mode=mode, scope=scope)
        model = embedding_name(self.embeddings)
        self.store.check_embedding_model(model)  # vectors of two models cannot be compared
        threshold = s.min_similarity if s.min_similarity >= 0 else min_similarity(model)
        return Retrieval(self.store, self.embeddings, mode=mode, keyword_weight=s.keyword_weight,
                         sentence_weight=s.sentence_weight, candidates=s.candidates, fusion=s.fusion,
                         min_similarity=threshold,
                         reranker=self.reranker if mode == "hybrid+rerank" else None, scope=scope,
                         centering=centering_for(model))

    @cached_property
    def reranker(self) -> CrossEncoderReranker | None:
        """A local cross-encoder directory from the settings, loaded once; None when unset."""
        if not self.settings.reranker:
            return None
        from core.retrieval.rerank import CrossEncoderReranker

        return CrossEncoderReranker(Path(self.settings.reranker).expanduser())

    @cached_property
    def piece_vectors(self) -> RememberedVectors:
        """Passage sentences for the claim check, embedded once across questions (``core.embeddings.remembered``)."""
        from core.embeddings import embed_matrix
        from core.embeddings.remembered import RememberedVectors

        return RememberedVectors(lambda texts: embed_matrix(self.embeddings, texts))

    def engine(self, llm: LoadedLLM, collections: list[str] | None = None, *,
               scope: Scope | None = None) -> ChatEngine:
        """An answer chain over the library, or over a scope of it: some collections, some documents
        ("Ask about this document"), or both."""
        from core.chat.claims import claim_similarities
        from core.chat.engine import ChatEngine
        from core.embeddings import embed_query_vector, min_similarity

        scope = _scoped(scope, collections)
        return ChatEngine(lambda question: self._passages(question, scope), llm,
                          max_question_chars=self.settings.max_question_chars,
                          encode=self.piece_vectors,
                          encode_query=lambda text: embed_query_vector(self.embeddings, text),
                          context_sentences=self.settings.context_sentences,
                          context_tokens=self.settings.context_tokens,
                          claim_similarity=claim_similarities(min_similarity(self.settings.embedding_model)))

    def _passages(self, question: str, scope: Scope | None) -> Retrieved:
        """What an answer is built from: the retrieved passages, each widened by the neighbouring
        sentences the question touches (``window_sentences``), as the model reads them and the
        sources panel shows them."""
        from core.chat.window import widened

        retrieved = self._inside_named(question, scope) or self.retrieve(question, scope=scope)
        return widened(retrieved, self.store, self.settings.window_sentences, question)

    def _inside_named(self, question: str, scope: Scope | None) -> Retrieved | None:
        """The passages of the documents the question names by file name ("the press release":
        ``core.chat.naming``), when it names some of those it searches but not all; None otherwise (the
        whole scope is searched). They are answered from however far their cosine: the user pointed at
        them, and a request ("Summarize the press release", 0.76–0.78 to its passages) is near no passage;
        the claim check still judges the answer."""
        from core.chat.naming import named_documents, speaks_of_a_document

        if not speaks_of_a_document(question):
            return None  # most questions: the library is not listed for them
        documents = self.documents_in(scope)
        named = named_documents(question, documents)
        if not named or len(named) == len(documents):
            return None
        inside = self.retrieve(question, scope=Scope.of(None if scope is None else scope.collections, named))
        return replace(inside, grounded=True) if inside.hits else None

    def copy_to(self, url: str, on_document: Callable[[str, DocumentRecord], None] | None = None) -> Migration:
        """Copy this library into the PostgreSQL library at ``url`` without re-embedding (``migrate``);
        ``on_document`` hears "copied", "skipped" or "missing" for each document. Raises psycopg's
        OperationalError when the server cannot be opened, before anything is copied."""
        from core.store.postgres import PostgresStore
        from core.store.to_postgres import copy_library

        target = PostgresStore(url)
        try:
            return copy_library(self.store, target, on_document)
        finally:
            target.close()

    # -- models ------------------------------------------------------------------------------
    def llm(self, name: str | None = None, **generation: float | int) -> LoadedLLM:
        """The model to answer with (``settings.llm`` unless named), loaded once per name and
        settings; ``generation`` overrides temperature, max_tokens or context_size."""
        from core.llms.registry import load_llm

        return load_llm(name or self.settings.llm, self.settings.replace(**generation) if generation else self.settings)

    def llm_options(self) -> list[LLMOption]:
        """Every model the app could answer with, and whether it is ready."""
        from core.llms.registry import available_llms

        return available_llms(self.settings)

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


def _scoped(scope: Scope | None, collections: list[str] | None) -> Scope | None:
    """The one scope of a call: ``scope`` with the older ``collections`` argument folded in (the
    pages and scripts that pass it keep working); None when it leaves nothing out."""
    if collections is None:
        return limiting(scope)
    if scope is not None and scope.collections is not None:
        raise ValueError("collections given twice: in the scope and as collections")
    return Scope.of(collections, scope.documents if scope else None)
