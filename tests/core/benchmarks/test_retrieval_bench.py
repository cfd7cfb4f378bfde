"""``bench retrieval`` on a tiny library: generated text (no corpus given) and fake embeddings, built
in this process, so it runs in seconds; the real-model, real-corpus run is in tests/integration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.benchmarks import corpus, retrieval
from core.benchmarks.cli import summary
from core.store.sqlite_store import SqliteStore

CHUNKS = 120


@pytest.fixture
def no_corpus(tmp_path: Path, monkeypatch) -> Path:
    # The generated stand-in text, cut from 200,000 words (~8,300 chunks at the test's chunk_size,
    # ~13 s to build past them) to 10,000 (~420): still more than CHUNKS, so every case reads as before.
    monkeypatch.setattr(corpus, "GENERATED_WORDS", 10_000)
    return tmp_path / "no-corpus"


def _run(settings, fake_embeddings, no_corpus, chunks: int = CHUNKS) -> dict:
    return retrieval.run(settings, chunks, queries=12, corpus=no_corpus, embeddings=fake_embeddings,
                         in_process_build=True)


def test_the_report_has_latency_stages_raw_comparison_index_and_memory(settings, fake_embeddings, no_corpus):
    result = _run(settings, fake_embeddings, no_corpus)
    assert result["store"] == "embedded" and result["chunks"] == CHUNKS and result["queries"] == 12
    for key in ("p50_ms", "p95_ms", "raw_p50_ms", "raw_p95_ms", "ratio_p95"):
        assert result[key] > 0
    assert set(result["stages"]) >= {"embed", "vector", "keyword", "fusion", "similarities", "rerank"}
    assert result["stages"]["rerank"] == "n/a"  # hybrid without a reranker
    assert set(result["stages"]["vector"]) == {"p50_ms", "p95_ms"}
    assert set(result["raw_stages"]) == {"encode", "faiss_search"}
    assert result["without_keyword"]["p50_ms"] <= result["p50_ms"]
    assert result["index"]["type"] == "IndexIDMap2(IndexFlatIP)" and result["index"]["vectors"] == CHUNKS
    assert result["recall_at_10"] is None  # exact search: nothing to compare
    assert result["memory"]["rss_peak_mib"] > 0 and result["memory"]["rss_over_data"] > 1
    assert result["library"]["text"].startswith("generated text")  # said, not hidden
    assert not result["library"]["reused"]
    assert "raw faiss + encode" in summary(result)


def test_the_library_is_built_once_and_reused(settings, fake_embeddings, no_corpus):
    first = _run(settings, fake_embeddings, no_corpus)
    folder = Path(first["library"]["path"])
    stamp = (folder / "index.faiss").stat().st_mtime_ns
    second = _run(settings, fake_embeddings, no_corpus)
    assert second["library"]["reused"] and second["library"]["path"] == str(folder)
    assert (folder / "index.faiss").stat().st_mtime_ns == stamp
    assert SqliteStore(folder).chunk_count() == CHUNKS


def test_beyond_the_real_passages_text_repeats_and_vectors_are_noisy_copies(settings, fake_embeddings, no_corpus):
    base, _ = corpus.base_chunks(no_corpus, settings)
    chunks = len(base) + 50
    result = _run(settings, fake_embeddings, no_corpus, chunks)
    assert result["library"]["synthetic_chunks"] == 50 and result["library"]["real_chunks"] == len(base)
    assert "noise of norm" in result["library"]["synthetic"]
    library = SqliteStore(Path(result["library"]["path"]))
    assert library.chunk_count() == chunks
    assert {d.name for d in library.documents()} >= {"generated.txt (part 1)", "generated.txt (copy 1, part 1)"}


def test_a_noisy_copy_stays_close_to_its_vector_and_is_deterministic():
    vectors = np.eye(4, 384, dtype="float32")
    copy = corpus.noisy_copy(vectors, [1, 0])
    assert np.allclose(np.linalg.norm(copy, axis=1), 1.0, atol=1e-5)
    assert np.all((copy * vectors).sum(axis=1) > 0.9)
    assert np.array_equal(copy, corpus.noisy_copy(vectors, [1, 0]))


def test_an_interrupted_build_is_started_again(settings, fake_embeddings, no_corpus):
    first = _run(settings, fake_embeddings, no_corpus)
    folder = Path(first["library"]["path"])
    (folder / corpus.MANIFEST).unlink()  # the manifest is written last
    again = _run(settings, fake_embeddings, no_corpus)
    assert not again["library"]["reused"] and SqliteStore(folder).chunk_count() == CHUNKS


def test_base_vectors_are_cached_and_extended(tmp_path, fake_embeddings):
    texts = [f"text {i}" for i in range(30)]
    calls = []

    class Counting(type(fake_embeddings)):
        def embed_documents(self, batch):
            calls.append(len(batch))
            return super().embed_documents(batch)

    embedder = Counting(size=32)
    first = corpus.base_vectors(embedder, texts, 10, tmp_path, "fake", lambda *_: None)
    again = corpus.base_vectors(embedder, texts, 25, tmp_path, "fake", lambda *_: None)
    assert sum(calls) == 25  # the first 10 came from the cache
    assert np.array_equal(first, again[:10])


@pytest.mark.integration
def test_the_cli_builds_from_the_real_corpus_in_a_child_process_then_reuses_it(tmp_path, corpus):
    """Real parts end to end: the novel and the DOCX handbook through the app's loaders, MiniLM,
    the build in a child process, then the index comparison on the same library."""
    import json
    import subprocess
    import sys

    def cli(*args: str) -> dict:
        command = [sys.executable, "-m", "core", "--data-dir", str(tmp_path / "data"), "bench", *args,
                   "--chunks", "200", "--queries", "20", "--model", "all-MiniLM-L6-v2", "--corpus", str(corpus),
                   "--json"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
        return json.loads(done.stdout)

    first = cli("retrieval")
    assert first["chunks"] == 200 and first["embedding_model"] == "all-MiniLM-L6-v2"
    assert first["library"]["text"].startswith("corpus: war-and-peace") and first["library"]["synthetic_chunks"] == 0
    assert first["stages"]["embed"]["p50_ms"] > 0 and first["raw_stages"]["encode"]["p50_ms"] > 0
    assert not first["library"]["reused"] and cli("retrieval")["library"]["reused"]
    index = cli("index", "--sizes", "600")
    [size] = index["sizes"]
    assert size["vectors"] == 600 and 0 < size["ivf"][-1]["recall_at_10"] <= 1
