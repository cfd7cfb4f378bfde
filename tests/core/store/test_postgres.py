"""What only the PostgreSQL store has: its indexes and query plans, transactions that span a
batch, writers in two instances at once, and the setting that picks it."""

from __future__ import annotations

import threading

import numpy as np
import psycopg
import pytest

from core.ingest.records import Chunk
from core.settings import Settings
from core.store.opening import open_store
from core.store.postgres import PostgresStore
from core.store.records import NewDocument
from core.store.scope import Scope
from core.store.sqlite_store import SqliteStore

pytestmark = pytest.mark.integration  # a real PostgreSQL server (tests/pg_server.py)


def _doc(sha: str, n: int, seed: int, collection: str = "", dim: int = 8) -> NewDocument:
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunks = [Chunk(text=f"passage {i} of {sha[:6]}", page=i + 1, ordinal=i) for i in range(n)]
    return NewDocument(name=f"{sha[:6]}.txt", sha256=sha, kind="txt", pages=None, original=sha.encode(),
                       chunks=chunks, vectors=vectors, embedding_model="fake", collection=collection)


@pytest.fixture
def library(postgres_url):
    store = PostgresStore(postgres_url)
    yield store
    store.close()


def _plan(url: str, query: str, params: tuple) -> str:
    """The plan PostgreSQL picks when it may use an index: proof that the index fits the query."""
    from pgvector.psycopg import register_vector

    with psycopg.connect(url, autocommit=True) as conn:
        register_vector(conn)
        conn.execute("SET enable_seqscan = off")  # a small table may scan; the question is whether it can use the index
        return "\n".join(r[0] for r in conn.execute("EXPLAIN " + query, params))


def test_the_settings_pick_the_store(postgres_url, tmp_path):
    assert isinstance(open_store(Settings(data_dir=tmp_path / "embedded")), SqliteStore)
    store = open_store(Settings(data_dir=tmp_path / "unused", database_url=postgres_url))
    try:
        assert isinstance(store, PostgresStore) and "@" not in repr(store)
        assert not (tmp_path / "unused").exists()  # nothing written to the data folder
    finally:
        store.close()


def test_search_goes_through_the_hnsw_index_and_keywords_through_gin(library, postgres_url):
    library.add_documents([_doc(f"{i:064x}", 20, seed=i) for i in range(100)])  # 2,000 chunks
    query = np.ones(8, dtype="float32") / np.sqrt(8)
    vector_plan = _plan(postgres_url, "SELECT id FROM docchat.chunks ORDER BY embedding <#> %s LIMIT 5", (query,))
    assert "chunks_embedding" in vector_plan
    words_plan = _plan(postgres_url, "SELECT id FROM docchat.chunks WHERE words @@ phraseto_tsquery('simple', %s)",
                       ("zebra",))
    assert "chunks_words" in words_plan
    assert len(library.search(query, 30)) == 30  # ef_search is raised above k


def test_a_collection_filter_still_returns_k_results(library):
    """A small collection among many chunks: the filter must not empty the HNSW candidate list."""
    library.add_documents([_doc(f"{i:064x}", 50, seed=i, collection="big") for i in range(40)])
    library.add_documents([_doc("f" * 64, 5, seed=99, collection="small")])
    query = np.random.default_rng(5).normal(size=8).astype("float32")
    hits = library.search(query, 5, Scope.of(["small"]))
    assert len(hits) == 5 and {h.sha256 for h in hits} == {"f" * 64}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_library_from_before_scopes_gets_the_column_and_keeps_its_conversations(postgres_url):
    first = PostgresStore(postgres_url)
    first.chats.add_turn("old", "Who keeps it?", {"content": "Marta."})
    first.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:  # the conversation table of decision 011
        conn.execute("ALTER TABLE docchat.conversations DROP COLUMN scope")
    store = PostgresStore(postgres_url)
    try:
        kept = store.chats.get("old")
        assert kept is not None and kept.record.scope is None and kept.turns[0].answer == {"content": "Marta."}
        scope = Scope.of(["work"], ["a" * 64])
        assert store.chats.add_turn("new", "Q?", {"content": "A."}, scope=scope).scope == scope
    finally:
        store.close()


def test_a_library_from_before_keyword_first_takes_documents_whose_vectors_come_later(postgres_url):
    """Its vector column was NOT NULL (decision 017 before this store deferred): the next open lets
    it wait, and the embedded chunks keep their vectors."""
    first = PostgresStore(postgres_url)
    first.add_documents([_doc("1" * 64, 3, seed=1)])
    first.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE docchat.chunks ALTER COLUMN embedding SET NOT NULL")
    store = PostgresStore(postgres_url)
    try:
        later = _doc("2" * 64, 2, seed=2)
        store.add_documents([NewDocument(**{**later.__dict__, "vectors": None})])
        waiting = store.missing_vectors()
        assert store.pending_documents() == {"2" * 64: (2, 2)} and store.vector_count() == 3 and len(waiting) == 2
        assert len(store.search(np.ones(8, dtype="float32"), 10)) == 3  # a waiting chunk is no vector hit
        assert set(store.similarities(np.ones(8, dtype="float32"), waiting)) == set()
        with pytest.raises(RuntimeError):  # a copy carries every vector: not until they are in
            next(iter(store.export()))
        assert store.add_vectors(later.vectors, np.array(waiting, dtype="int64")) == 2
        assert store.pending_documents() == {} and len(store.search(np.ones(8, dtype="float32"), 10)) == 5
        assert _plan(postgres_url, "SELECT id FROM docchat.chunks WHERE embedding IS NULL", ()).count("chunks_waiting")
    finally:
        store.close()


def test_a_failed_batch_leaves_nothing_behind(library):
    good, bad = _doc("1" * 64, 3, seed=1), _doc("2" * 64, 2, seed=2, dim=4)  # the second does not fit vector(8)
    with pytest.raises(psycopg.Error):
        library.add_documents([good, bad])
    assert library.documents() == [] and library.chunk_count() == 0 and library.original("1" * 64) is None


def test_writers_in_two_instances_at_once_all_land(postgres_url):
    """More writing threads than pooled connections, in two instances: each write waits its turn at
    the lock without needing a second connection that the waiting writers hold."""
    first, second = PostgresStore(postgres_url, pool_size=2), PostgresStore(postgres_url)
    try:
        def write(store: PostgresStore, start: int) -> None:
            for i in range(start, start + 5):
                store.add_documents([_doc(f"{i:064x}", 4, seed=i)])

        threads = [threading.Thread(target=write, args=(store, n * 5))
                   for n, store in enumerate([first, first, first, second])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(first.documents()) == 20 and second.chunk_count() == second.vector_count() == 80
        assert len({h.chunk_id for h in first.search(np.ones(8, dtype="float32"), 80)}) == 80
    finally:
        first.close()
        second.close()


def test_the_trigram_index_exists_when_pg_trgm_does(library, postgres_url):
    with psycopg.connect(postgres_url) as conn:
        has_trgm = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone()
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'docchat'")}
    assert {"chunks_words", "chunks_document", "documents_name"} <= indexes
    assert ("chunks_trigrams" in indexes) == bool(has_trgm)
