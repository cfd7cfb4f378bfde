"""``bench retrieval --database-url`` on a tiny library in a real PostgreSQL with pgvector
(tests/pg_server.py; skipped without one): generated text and fake embeddings, built in this
process, as in test_retrieval_bench.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
import pytest

from core.benchmarks import postgres_bench, retrieval
from core.benchmarks.cli import summary
from core.ingest.records import Chunk
from core.store.postgres import PostgresStore
from core.store.records import NewDocument
from tests import pg_server

postgres_server, postgres_url = pg_server.postgres_server, pg_server.postgres_url  # fixtures: a real server
pytestmark = pytest.mark.integration  # every case builds in a real PostgreSQL
CHUNKS = 300


@pytest.fixture
def no_corpus(tmp_path: Path) -> Path:
    return tmp_path / "no-corpus"


def _run(settings, url, fake_embeddings, no_corpus, chunks: int = CHUNKS) -> dict:
    return postgres_bench.run(settings, url, chunks, queries=12, corpus=no_corpus, embeddings=fake_embeddings,
                              in_process_build=True)


def _team_document() -> NewDocument:
    return NewDocument(name="team.txt", sha256="a" * 64, kind="txt", pages=None, original=b"x",
                       chunks=[Chunk("the team's own passage", None, 0)],
                       vectors=np.ones((1, 32), dtype="float32") / np.sqrt(32), embedding_model="fake")


def _rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def test_the_report_has_the_shared_keys_recall_and_the_database_sizes(settings, fake_embeddings, no_corpus,
                                                                      postgres_url):
    result = _run(settings, postgres_url, fake_embeddings, no_corpus)
    assert result["store"] == "postgres" and result["chunks"] == CHUNKS and result["queries"] == 12
    for key in ("p50_ms", "p95_ms", "raw_p50_ms", "raw_p95_ms", "ratio_p95"):
        assert result[key] > 0
    assert set(result["stages"]) >= {"embed", "vector", "keyword", "fusion", "similarities", "rerank"}
    assert set(result["stages"]["vector"]) == {"p50_ms", "p95_ms"}
    assert set(result["raw_stages"]) == {"encode", "pgvector_search"}
    assert 0 < result["recall_at_10"] <= result["recall_at_10_same_text"] <= 1 and result["exact_search"]["p50_ms"] > 0
    assert result["index"]["vectors"] == CHUNKS and result["index"]["ef_search"] == 100
    memory = result["memory"]
    assert memory["database_mib"] > memory["vector_index_mib"] > 0 and "client" in memory["note"]
    assert memory["client_rss_peak_mib"] > 0 and memory["data_mib"] > 0
    assert not result["library"]["reused"] and result["library"]["text"].startswith("generated text")
    assert "docchat" not in result["library"]["database"]  # host:port/database, never the user
    assert "PostgreSQL" in summary(result)
    with postgres_bench.connect(postgres_url) as conn:  # even where the planner is told to avoid scanning
        conn.execute("SET enable_seqscan = off")
        query = (np.ones(32, dtype="float32") / np.sqrt(32), 10)
        raw, exact = ("\n".join(r[0] for r in conn.execute("EXPLAIN " + statement, query))
                      for statement in (postgres_bench.KNN, postgres_bench.EXACT))
    assert "chunks_embedding" in raw and "chunks_embedding" not in exact


def test_the_library_is_built_once_reused_then_rebuilt_for_another_size(settings, fake_embeddings, no_corpus,
                                                                       postgres_url):
    ids = "SELECT min(id), max(id), count(*) FROM docchat.chunks"
    first = _run(settings, postgres_url, fake_embeddings, no_corpus)
    built = _rows(postgres_url, ids)
    second = _run(settings, postgres_url, fake_embeddings, no_corpus)
    assert not first["library"]["reused"] and second["library"]["reused"]
    assert _rows(postgres_url, ids) == built  # the same rows: nothing added or rewritten
    assert not (settings.data_dir / "bench" / "postgres").exists()  # the manifest is in the database
    smaller = _run(settings, postgres_url, fake_embeddings, no_corpus, chunks=120)
    assert not smaller["library"]["reused"] and _rows(postgres_url, "SELECT count(*) FROM docchat.chunks") == [(120,)]


def test_an_interrupted_build_is_started_again(settings, fake_embeddings, no_corpus, postgres_url):
    _run(settings, postgres_url, fake_embeddings, no_corpus)
    with psycopg.connect(postgres_url) as conn:  # as a build looks until its manifest is written last
        conn.execute("UPDATE docchat.meta SET value = '{\"building\": true}' WHERE key = 'bench'")
    again = _run(settings, postgres_url, fake_embeddings, no_corpus)
    assert not again["library"]["reused"] and again["index"]["vectors"] == CHUNKS


def test_a_database_holding_another_library_is_left_alone(settings, fake_embeddings, no_corpus, postgres_url):
    store = PostgresStore(postgres_url)
    try:
        store.add_documents([_team_document()])
        with pytest.raises(postgres_bench.NotABenchDatabase):
            _run(settings, postgres_url, fake_embeddings, no_corpus)
        assert [d.name for d in store.documents()] == ["team.txt"] and store.chunk_count() == 1
    finally:
        store.close()


def test_the_cli_refuses_it_before_loading_any_model(tmp_path, postgres_url, capsys):
    from core.cli import main

    store = PostgresStore(postgres_url)
    try:
        store.add_documents([_team_document()])
    finally:
        store.close()
    code = main(["--data-dir", str(tmp_path / "data"), "bench", "retrieval", "--chunks", "300", "--model",
                 "all-MiniLM-L6-v2", "--database-url", postgres_url, "--json"])
    assert code == 2 and "left alone" in capsys.readouterr().err


def test_the_embedded_bench_never_writes_to_the_configured_database(settings, fake_embeddings, no_corpus,
                                                                    postgres_url):
    result = retrieval.run(settings.replace(database_url=postgres_url), 120, queries=12, corpus=no_corpus,
                           embeddings=fake_embeddings, in_process_build=True)
    assert result["store"] == "embedded" and result["index"]["vectors"] == 120
    assert _rows(postgres_url, "SELECT to_regclass('docchat.chunks')") == [(None,)]
