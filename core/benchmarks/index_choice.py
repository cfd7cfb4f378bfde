"""``python -m core bench index``: exact (flat) against IVF search at several library sizes, the
numbers behind ``FLAT_LIMIT`` and ``NPROBE`` in core/store/vector_index.py (decision 005).

The vectors are a bench library's (real embeddings of real passages, see corpus.py), grown to
each size by noisy copies; the queries are its query sentences, embedded by the same model.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.benchmarks import DEFAULT_CORPUS
from core.benchmarks.corpus import noisy_copy
from core.benchmarks.retrieval import RECALL_K, percentiles, prepare
from core.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

NPROBES = (16, 32, 64, 128, 256)


def grown(vectors: np.ndarray, size: int) -> np.ndarray:
    """``size`` vectors: the originals, then noisy copies of them (one seed per copy)."""
    parts, copy = [vectors[:size]], 1
    while sum(len(p) for p in parts) < size:
        parts.append(noisy_copy(vectors[:size - sum(len(p) for p in parts)], [copy, 0]))
        copy += 1
    return np.ascontiguousarray(np.vstack(parts), dtype="float32")


def compare(vectors: np.ndarray, queries: np.ndarray, nprobes: tuple[int, ...] = NPROBES, k: int = RECALL_K) -> dict:
    """Flat search latency, then IVF build time and, per nprobe, latency and recall@k vs flat."""
    import faiss

    from core.store.vector_index import build_ivf

    ids = np.arange(1, len(vectors) + 1, dtype="int64")
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    flat.add_with_ids(vectors, ids)
    truth, times = [], []
    for row in queries:
        started = time.perf_counter()
        _, found = flat.search(row.reshape(1, -1), k)
        times.append(time.perf_counter() - started)
        truth.append(set(found[0].tolist()))
    del flat
    started = time.perf_counter()
    ivf = build_ivf(ids, vectors)
    by_nprobe: list[dict] = []
    result = {"vectors": len(vectors), "flat": percentiles(times),
              "ivf_build_seconds": round(time.perf_counter() - started, 1), "nlist": int(ivf.nlist),
              "ivf": by_nprobe}
    for nprobe in nprobes:
        params = faiss.SearchParametersIVF(nprobe=nprobe)  # type: ignore[call-arg]  # the stubs declare no keywords
        times, recall = [], []
        for row, exact in zip(queries, truth, strict=True):
            started = time.perf_counter()
            _, found = ivf.search(row.reshape(1, -1), k, params=params)
            times.append(time.perf_counter() - started)
            recall.append(len(exact & set(found[0].tolist())) / k)
        by_nprobe.append({"nprobe": nprobe, "recall_at_10": round(float(np.mean(recall)), 4),
                          **percentiles(times)})
    return result


def run(settings: Settings, sizes: list[int], chunks: int, queries: int = 100, model: str | None = None,
        corpus: Path = DEFAULT_CORPUS, embeddings: Embeddings | None = None, real_cap: int | None = None) -> dict:
    from core.benchmarks.retrieval import faiss_index
    from core.embeddings import embed_query_vector
    from core.service import DocChat
    from core.store.vector_index import contents

    s, manifest, _ = prepare(settings, chunks, model, corpus, embeddings, real_cap=real_cap)
    app = DocChat(s, embeddings)
    _, base = contents(faiss_index(app))
    query_vectors = np.vstack([embed_query_vector(app.embeddings, q) for q in manifest["queries"][:queries]])
    results = []
    for size in sizes:
        results.append(compare(grown(base, size), query_vectors))
    return {"bench": "index", "embedding_model": s.embedding_model, "base_library_chunks": chunks,
            "base": manifest["synthetic"] if manifest["synthetic"] != "none" else manifest["text"],
            "queries": len(query_vectors), "sizes": results}
