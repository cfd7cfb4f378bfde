"""``python -m core bench retrieval --database-url URL``: the retrieval bench on PostgreSQL +
pgvector, side by side with the embedded store (issue 8).

The library is the embedded bench's (``corpus.build``: same text, same vectors, the base vectors
cached in ``<data dir>/bench`` reused), stored through the product's own store: ``DocChat`` with
``database_url`` set, i.e. ``PostgresStore.add_documents``. It is built in a child process, as
for the embedded bench, then ``VACUUM ANALYZE``d: the keyword leg reads its common words from the
statistics that ANALYZE keeps, and a server in use would have run autovacuum by then.

Its manifest is kept in the database it describes (``docchat.meta``, key ``bench``), not in a file:
a database emptied or rebuilt by hand is then never taken for a finished library. While a build
runs the row says so, so an interrupted build is still known as the bench's own.

Only the database given with ``--database-url`` is touched, never ``database_url`` from the
settings, and one holding a library the bench did not make (documents, no ``bench`` row) is
refused. A bench library of another size is dropped with its schema and built afresh rather than
deleted row by row, so neither the tables nor the HNSW index carry dead rows into the timings.

Raw: the same ``encode`` call, then one kNN statement on the same table over a psycopg connection of
its own, with the ``hnsw.ef_search`` the store sets. It orders by ``<#>`` (negative inner product),
not ``<=>``: the store's HNSW index is built with ``vector_ip_ops``, and pgvector uses an index only
for its own operator; the vectors are normalised, so the order is the cosine order. Instead of
FAISS's index summary: recall@10 of that statement against an exact one (a sequential scan), and
whether the planner used the index at all. Memory: the data lives in
the server, so the client's peak RSS says little about the store; the database's sizes on disk
stand beside it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.benchmarks import DEFAULT_CORPUS
from core.benchmarks import retrieval as bench
from core.benchmarks.corpus import Progress, build, matching
from core.settings import Settings
from core.store.postgres import one_row

if TYPE_CHECKING:
    import psycopg
    from langchain_core.embeddings import Embeddings

BENCH_KEY = "bench"  # the docchat.meta row holding the manifest ({"building": true} while a build runs)
KNN = "SELECT id FROM docchat.chunks ORDER BY embedding <#> %s LIMIT %s"
# The same order, as an expression no index serves: a sequential scan whatever the planner's settings (with
# index scans turned off, a server with enable_seqscan off too would still pick the index)
EXACT = "SELECT id FROM docchat.chunks ORDER BY (embedding <#> %s) + 0 LIMIT %s"
MEMORY_NOTE = ("client_rss_*: this process only (model, driver, results); the library lives in the server, "
               "so its size is given by the database_* and *_mib sizes on disk")


class NotABenchDatabase(RuntimeError):
    """The database holds a library the bench did not make: it is left alone."""


def bench_settings(settings: Settings, chunks: int, model: str | None, url: str) -> Settings:
    """The embedded bench's settings with ``url`` as the store. The data folder is only a parent
    for the cached base vectors (``<data dir>/bench``): nothing is written into it."""
    s = bench.bench_settings(settings, chunks, model)
    return s.replace(data_dir=s.data_dir.parent / "postgres", database_url=url)


def connect(url: str, vectors: bool = True) -> psycopg.Connection:
    """An autocommit connection; ``vectors``: reads and writes ``vector`` as numpy arrays (the
    extension must exist)."""
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    if vectors:
        from pgvector.psycopg import register_vector

        register_vector(conn)
    return conn


def _state(conn: psycopg.Connection) -> tuple[object, bool]:
    """The ``bench`` row (parsed; None when absent) and whether the library has no document."""
    meta, documents = one_row(conn.execute("SELECT to_regclass('docchat.meta'), to_regclass('docchat.documents')"))
    row = conn.execute("SELECT value FROM docchat.meta WHERE key = %s", (BENCH_KEY,)).fetchone() if meta else None
    empty = documents is None or not conn.execute("SELECT 1 FROM docchat.documents LIMIT 1").fetchone()
    return (json.loads(row[0]) if row else None), empty


def _check(conn: psycopg.Connection) -> object:
    found, empty = _state(conn)
    if found is None and not empty:
        raise NotABenchDatabase("this database holds a document library the bench did not make; it is left "
                                "alone: give --database-url an empty database of its own")
    return found


def read_manifest(url: str, chunks: int, model: str, real_cap: int | None) -> dict | None:
    """The manifest of a finished bench library of this size, model and cap that still holds its
    ``chunks`` passages; None otherwise (another size, a build under way or interrupted, none)."""
    with connect(url, vectors=False) as conn:
        manifest = matching(_check(conn), chunks, model, real_cap)
        if manifest is None or one_row(conn.execute("SELECT count(*) FROM docchat.chunks"))[0] != chunks:
            return None
    return manifest


def _save(url: str, value: dict) -> None:
    with connect(url, vectors=False) as conn:
        conn.execute("INSERT INTO docchat.meta (key, value) VALUES (%s, %s) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (BENCH_KEY, json.dumps(value)))


def _finish(url: str, manifest: dict) -> None:
    """Statistics and visibility as a server in use would have them, then the manifest, last."""
    with connect(url, vectors=False) as conn:
        conn.execute("VACUUM ANALYZE docchat.documents, docchat.chunks")
    _save(url, manifest)


def _build(s: Settings, chunks: int, corpus: Path, embeddings: Embeddings | None, progress: Progress,
           real_cap: int | None) -> None:
    from core.service import DocChat

    with connect(s.database_url, vectors=False) as conn:
        if _check(conn) is not None:  # the bench's own library (another size, or interrupted): start afresh
            conn.execute("DROP SCHEMA docchat CASCADE")
    app = DocChat(s, embeddings)
    store = app.store  # opening the store creates its schema
    try:
        _save(s.database_url, {"building": True})
        build(app, chunks, corpus, progress, real_cap, save=lambda manifest: _finish(s.database_url, manifest))
    finally:
        store.close()


def prepare(settings: Settings, url: str, chunks: int, model: str | None = None, corpus: Path = DEFAULT_CORPUS,
            embeddings: Embeddings | None = None, in_process: bool = False, progress: Progress = lambda *_: None,
            real_cap: int | None = None) -> tuple[Settings, dict, bool]:
    """As ``retrieval.prepare``, in the database at ``url``."""
    from core.embeddings import embedding_name

    s = bench_settings(settings, chunks, model, url)
    name = embedding_name(embeddings) if embeddings is not None else s.embedding_model
    manifest = read_manifest(url, chunks, name, real_cap)
    if manifest is not None:
        return s, manifest, True
    if in_process:
        _build(s, chunks, corpus, embeddings, progress, real_cap)
    else:
        bench.build_in_child(settings, chunks, s.embedding_model, corpus, real_cap, "--database-url", url)
    manifest = read_manifest(url, chunks, name, real_cap)
    if manifest is None:
        raise RuntimeError("building the bench library in PostgreSQL did not finish")
    return s, manifest, False


def run(settings: Settings, url: str, chunks: int, queries: int = 200, model: str | None = None,
        corpus: Path = DEFAULT_CORPUS, embeddings: Embeddings | None = None, in_process_build: bool = False,
        progress: Progress = lambda *_: None, real_cap: int | None = None) -> dict:
    from core.embeddings import embed_query_vector
    from core.service import DocChat
    from core.store.postgres import PostgresStore

    load_at_start = round(os.getloadavg()[0], 2)
    s, manifest, reused = prepare(settings, url, chunks, model, corpus, embeddings, in_process_build, progress,
                                  real_cap)
    questions = bench.bench_questions(manifest, queries)
    app = DocChat(s, embeddings)
    encode, model_seconds = bench.load_encoder(app, questions[0])
    import pgvector.psycopg  # noqa: F401 - loaded before the baseline: the driver is not the library's data
    import psycopg_pool  # noqa: F401

    rss_model = bench.peak_rss_mib()
    store = app.store
    try:
        if not isinstance(store, PostgresStore):  # bench_settings set database_url: it is one
            raise RuntimeError("this benchmark measures the PostgreSQL library (database_url)")
        ef_search = max(store.ef_search, s.candidates)  # what the store sets for its vector leg
        with connect(url) as conn:
            conn.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(ef_search),))
            retrieval, timings = bench.ask(
                app, questions, encode, lambda query, n: conn.execute(KNN, (query.reshape(-1), n)).fetchall(),
                progress)
            rss_peak = bench.peak_rss_mib()
            vectors = [embed_query_vector(app.embeddings, q) for q in questions[:bench.RECALL_K * 10]]
            recall, recall_text, exact = _recall(conn, vectors)
            index = _index(conn, vectors[0], ef_search)
            memory = _memory(conn, rss_peak, rss_model)
            server = _server(conn)
    finally:
        store.close()
    report = bench.latency_report("postgres", chunks, app, retrieval, timings, "pgvector_search")
    return {
        **report,
        "index": index, "recall_at_10": recall, "recall_at_10_same_text": recall_text,
        "recall_queries": len(vectors), "exact_search": exact,
        "memory": memory, "server": server,
        "goals": {"p95_le_2x_raw": report["p95_ms"] <= 2 * report["raw_p95_ms"],
                  "p95_under_100ms": report["p95_ms"] < 100},
        "library": {"database": where(url), **bench.library_report(manifest, reused)},
        "model_load_seconds": round(model_seconds, 2),
        "machine": bench.machine_report(load_at_start),
    }


def _recall(conn: psycopg.Connection, vectors: list[np.ndarray],
            k: int = bench.RECALL_K) -> tuple[float, float, dict[str, float]]:
    """Share of the exact top-k (``EXACT``: a sequential scan) that raw's statement returns, by chunk
    id and by passage text, and the exact search's own latency. The synthetic part of the library
    repeats each passage with a slightly moved vector, so many chunks are near-ties: the text
    share says whether the graph found the right passages when it missed the exact copies."""
    found, same_text, times = [], [], []
    for vector in vectors:
        got = [r[0] for r in conn.execute(KNN, (vector, k))]
        started = time.perf_counter()
        truth = [r[0] for r in conn.execute(EXACT, (vector, k))]
        times.append(time.perf_counter() - started)
        found.append(len(set(truth) & set(got)) / k)
        rows = conn.execute("SELECT id, text FROM docchat.chunks WHERE id = ANY(%s)", (truth + got,)).fetchall()
        text: dict[int, str] = dict(rows)
        wanted = {text[i] for i in truth}
        same_text.append(sum(text[i] in wanted for i in got) / k)
    return round(float(np.mean(found)), 4), round(float(np.mean(same_text)), 4), bench.percentiles(times)


def _index(conn: psycopg.Connection, vector: np.ndarray, ef_search: int) -> dict:
    """The HNSW index the store built, and whether the planner uses it for raw's statement (on a
    small table a sequential scan can be cheaper, and then both sides are exact)."""
    options, vectors = one_row(conn.execute(
        "SELECT c.reloptions, (SELECT count(*) FROM docchat.chunks) FROM pg_class c "
        "WHERE c.oid = 'docchat.chunks_embedding'::regclass"))
    plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + KNN, (vector, bench.RECALL_K)))
    return {"type": "hnsw (vector_ip_ops)", "vectors": int(vectors), "ef_search": ef_search,
            "options": options or "pgvector defaults (m 16, ef_construction 64)",
            "used_by_plan": "chunks_embedding" in plan}


def _memory(conn: psycopg.Connection, rss_peak: float, rss_model: float) -> dict:
    """Client RSS, and the data (vectors as float32 + chunk text, as the embedded bench counts it)
    against what the database holds on disk: the chunk table (heap + TOAST), each index on it, the
    stored originals and the whole database."""
    mib = bench.MIB
    text, count, dimension = one_row(conn.execute(
        "SELECT COALESCE(SUM(octet_length(text) + COALESCE(octet_length(heading), 0)), 0), count(*), "
        "(SELECT value::int FROM docchat.meta WHERE key = 'dimension') FROM docchat.chunks"))
    database_bytes, *relation_bytes = one_row(conn.execute(
        "SELECT pg_database_size(current_database()), pg_table_size('docchat.chunks'), "
        "pg_relation_size('docchat.chunks_embedding'), pg_relation_size('docchat.chunks_words'), "
        "pg_relation_size(to_regclass('docchat.chunks_trigrams')), pg_total_relation_size('docchat.originals')"
    ))
    database = round(database_bytes / mib, 1)  # never null; a relation's size is when it does not exist
    table, vector_index, words_index, trigram_index, originals = (
        None if size is None else round(size / mib, 1) for size in relation_bytes)
    vectors = int(count) * int(dimension or 0) * 4
    data = (vectors + int(text)) / mib
    return {"note": MEMORY_NOTE,
            "client_rss_peak_mib": round(rss_peak, 1), "client_rss_before_library_mib": round(rss_model, 1),
            "vectors_mib": round(vectors / mib, 2), "text_mib": round(int(text) / mib, 2), "data_mib": round(data, 2),
            "database_mib": database, "database_over_data": round(database / data, 2) if data else None,
            "chunks_table_mib": table, "vector_index_mib": vector_index, "words_index_mib": words_index,
            "trigram_index_mib": trigram_index, "originals_mib": originals}


def _server(conn: psycopg.Connection) -> dict:
    version, pgvector, shared_buffers = one_row(conn.execute(
        "SELECT current_setting('server_version'), (SELECT extversion FROM pg_extension WHERE extname = 'vector'), "
        "current_setting('shared_buffers')"))
    return {"version": version, "pgvector": pgvector, "shared_buffers": shared_buffers}


def where(url: str) -> str:
    """host:port/database, never the user or the password."""
    from psycopg.conninfo import conninfo_to_dict

    parts = conninfo_to_dict(url)
    return f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


def summary(result: dict) -> str:
    stages = ", ".join(f"{name} {value['p50_ms']}/{value['p95_ms']}" for name, value in result["stages"].items()
                       if isinstance(value, dict))
    memory, index, library = result["memory"], result["index"], result["library"]
    return "\n".join([
        f"{result['chunks']} chunks on PostgreSQL {result['server']['version']} + pgvector "
        f"{result['server']['pgvector']} ({result['retriever']}, {result['embedding_model']}): "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms; raw kNN statement + encode "
        f"p95 {result['raw_p95_ms']} ms (ratio {result['ratio_p95']})",
        f"stages p50/p95 ms: {stages}",
        f"HNSW (ef_search {index['ef_search']}, used by the plan: {index['used_by_plan']}) recall@10 "
        f"{result['recall_at_10']} vs a sequential scan ({result['recall_at_10_same_text']} by passage text)",
        f"database {memory['database_mib']} MiB vs data {memory['data_mib']} MiB (table {memory['chunks_table_mib']}, "
        f"HNSW {memory['vector_index_mib']}); client peak RSS {memory['client_rss_peak_mib']} MiB",
        f"library {library['database']} ({'reused' if library['reused'] else 'built'}; {library['synthetic']})",
    ])
