"""The bench library: real text read and split by the app's own loaders and splitter, grown to N
chunks, stored through ``Store.add_documents`` like any upload.

Embedding 100k passages with the default model would take ~17 minutes here, so only the real
passages (about 10k: the novel and the DOCX handbook) are embedded, once per model, and cached.
Beyond them the text repeats verbatim, so SQLite/FTS5 indexes real words at real volume, and each
repeated passage's vector is its real vector plus Gaussian noise of norm ``NOISE_NORM``,
re-normalised (cosine to the original ~0.96): same distribution of directions, no exact ties.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.ingest.records import Chunk
from core.settings import Settings
from core.store.files import atomic_write, atomic_write_bytes

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from core.service import DocChat

SOURCES = ("other/war-and-peace_book-war-and-peace-1225p.txt",
           "other/doj-chapter13-trustee-handbook_handbook-872p.docx")
NOISE_NORM = 0.3
DOC_CHUNKS = 500  # chunks per stored document ("<file> (copy c, part p)")
ADD_BATCH = 10_000  # chunks per add_documents call: one transaction and one index write each
CACHE_SLICE = 1024  # base vectors are cached after every slice, so an interrupted build resumes
QUERY_POOL = 1000
MANIFEST = "bench.json"
GENERATED_WORDS = 200_000  # fallback text when ../shared is absent: ~2.5k chunks at the default size

Progress = Callable[[str, float], None]  # (what, fraction done)


@dataclass(frozen=True)
class BaseChunk:
    source: str  # file name it came from
    kind: str
    chunk: Chunk


def library_dir(data_dir: Path, model: str, chunks: int) -> Path:
    """One bench library per size and embedding model, beside the user's library."""
    return data_dir / "bench" / f"retrieval-{model.replace('/', '_')}-{chunks}"


def base_chunks(corpus: Path, settings: Settings) -> tuple[list[BaseChunk], str]:
    """The real passages, the two files interleaved so a small library holds both; generated text
    (and a note saying so) when the corpus is absent."""
    from core.ingest.loaders import load
    from core.ingest.sniff import sniff_kind
    from core.ingest.splitting import split_pages

    files = [corpus / s for s in SOURCES]
    if not all(f.is_file() for f in files):
        return _generated(settings), f"generated text ({corpus} not found)"
    per_file = []
    for path in files:
        data = path.read_bytes()
        kind = sniff_kind(path.name, data)
        pages = load(kind, data).pages
        per_file.append([BaseChunk(path.name, kind, c)
                         for c in split_pages(pages, settings.chunk_size, settings.chunk_overlap)])
    both = [c for group in itertools.zip_longest(*per_file) for c in group if c is not None]
    return both, "corpus: " + ", ".join(p.name for p in files)


def _generated(settings: Settings) -> list[BaseChunk]:
    """Deterministic pseudo-English (a fixed vocabulary of made-up words, Zipf-like frequencies)."""
    from core.ingest.records import Page
    from core.ingest.splitting import split_pages

    rng = random.Random(8)
    syllables = ["ka", "lo", "mi", "ren", "sta", "vor", "dul", "en", "pri", "tho", "ga", "sel", "un", "ber"]
    vocabulary = sorted({"".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(5000)})
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    words = rng.choices(vocabulary, weights, k=GENERATED_WORDS)
    sentences = [" ".join(words[i:i + 12]).capitalize() + "." for i in range(0, len(words), 12)]
    paragraphs = ["\n".join(sentences[i:i + 6]) for i in range(0, len(sentences), 6)]
    pages = [Page("\n\n".join(paragraphs[i:i + 5]), None) for i in range(0, len(paragraphs), 5)]
    return [BaseChunk("generated.txt", "txt", c)
            for c in split_pages(pages, settings.chunk_size, settings.chunk_overlap)]


def base_vectors(embeddings: Embeddings, texts: list[str], need: int, cache_dir: Path, model: str,
                 progress: Progress) -> np.ndarray:
    """Vectors of the first ``need`` texts, from a per-model cache of the whole list (an .npy file,
    read without pickle), embedding only what the cache lacks."""
    from core.embeddings.slices import embed_in_slices

    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache_dir / f"base-{model.replace('/', '_')}-{key}.npy"
    have = np.load(path, allow_pickle=False) if path.is_file() else None
    done = 0 if have is None else len(have)
    for start in range(done, need, CACHE_SLICE):
        part = embed_in_slices(embeddings, texts[start:min(start + CACHE_SLICE, need)], lambda _: None)
        assert part is not None  # the slice holds at least one text
        have = part if have is None else np.vstack([have, part])
        atomic_write(path, partial(_save_npy, data=have))
        progress("embedding real passages", min(1.0, len(have) / need))
    assert have is not None  # need >= 1: read from the cache or embedded above
    return np.ascontiguousarray(have[:need], dtype="float32")


def _save_npy(path: Path, data: np.ndarray) -> None:
    with open(path, "wb") as handle:  # a file object: np.save would add ".npy" to a temp file's name
        np.save(handle, data, allow_pickle=False)


def noisy_copy(vectors: np.ndarray, seed: list[int], noise_norm: float = NOISE_NORM) -> np.ndarray:
    """``vectors`` plus Gaussian noise of norm ``noise_norm`` per row, re-normalised."""
    noise = np.random.default_rng(seed).standard_normal(vectors.shape, dtype=np.float32)
    noise *= noise_norm / np.linalg.norm(noise, axis=1, keepdims=True)
    moved = vectors + noise
    return moved / np.linalg.norm(moved, axis=1, keepdims=True)


def stand_in_sentences(chunk: Chunk, vector: np.ndarray, seed: list[int]) -> np.ndarray | None:
    """As many sentence vectors as ingest would store for ``chunk``, without embedding each one:
    the bench times reading and scoring them."""
    from core.ingest.sentences import sentence_texts

    count = len(sentence_texts(chunk.text, chunk.heading))
    return noisy_copy(np.tile(vector, (count, 1)), seed) if count else None


def plan(base: list[BaseChunk], chunks: int) -> list[tuple[int, str, list[int]]]:
    """(copy, source file, base indices) per stored document: copy 0 is the real passages, copy c
    repeats them with noisy vectors, until ``chunks`` passages are placed."""
    documents: list[tuple[int, str, list[int]]] = []
    for copy in itertools.count():
        take = min(chunks - copy * len(base), len(base))
        if take <= 0:
            return documents
        by_source: dict[str, list[int]] = {}
        for i in range(take):
            by_source.setdefault(base[i].source, []).append(i)
        for source, indices in by_source.items():
            documents += [(copy, source, indices[s:s + DOC_CHUNKS]) for s in range(0, len(indices), DOC_CHUNKS)]
    return documents


def query_pool(base: list[BaseChunk], count: int = QUERY_POOL) -> list[str]:
    """Real sentences of the stored text (6+ words, at most 16 kept), in a fixed random order."""
    rng = random.Random(8)
    pool: list[str] = []
    for item in rng.sample(base, len(base)):
        sentences = [s.split() for s in re.split(r"(?<=[.!?])\s+", item.chunk.text)]
        usable = [s for s in sentences if len(s) >= 6]
        if usable:
            pool.append(" ".join(rng.choice(usable)[:16]))
        if len(pool) == count:
            break
    return pool


def read_manifest(folder: Path, chunks: int, model: str, real_cap: int | None = None) -> dict | None:
    """How a finished bench library was made; None when it is missing, was made for another size,
    model or cap on real passages, or was interrupted (the manifest is written last)."""
    try:
        return matching(json.loads((folder / MANIFEST).read_text(encoding="utf-8")), chunks, model, real_cap)
    except (OSError, ValueError):
        return None


def matching(manifest: object, chunks: int, model: str, real_cap: int | None) -> dict | None:
    """``manifest`` when it describes a library of this size, model and cap on real passages."""
    wanted = {"chunks": chunks, "embedding_model": model, "real_cap": real_cap}
    if isinstance(manifest, dict) and all(manifest.get(key) == value for key, value in wanted.items()):
        return manifest
    return None


def build(app: DocChat, chunks: int, corpus: Path, progress: Progress, real_cap: int | None = None,
          save: Callable[[dict], None] | None = None) -> dict:
    """Fill ``app``'s (empty) library with ``chunks`` passages, at most ``real_cap`` of them real
    (embedded; the rest noisy copies); returns the manifest, saved last by ``save`` (default: a
    file in the library folder; PostgreSQL keeps it in the database it describes)."""
    from core.embeddings import embedding_name
    from core.store.records import NewDocument

    started = time.perf_counter()
    model = embedding_name(app.embeddings)
    base, text = base_chunks(corpus, app.settings)
    texts = [b.chunk.embedding_text() for b in base]  # the whole list keys the vector cache, whatever the cap
    available = len(base)
    real = min(chunks, available, real_cap or available)
    base = base[:real]
    embed_started = time.perf_counter()
    cache_dir = app.settings.data_dir.parent  # <data dir>/bench: the base vectors serve every size
    vectors = base_vectors(app.embeddings, texts, real, cache_dir, model, progress)
    embed_seconds = time.perf_counter() - embed_started
    sentences = app.settings.sentence_vectors
    batch: list[NewDocument] = []
    placed = 0
    parts: dict[tuple[int, str], int] = {}
    for copy, source, indices in plan(base, chunks):
        part = parts[(copy, source)] = parts.get((copy, source), 0) + 1
        items = [base[i] for i in indices]
        name = f"{source} (part {part})" if copy == 0 else f"{source} (copy {copy}, part {part})"
        original = "\n\n".join(b.chunk.text for b in items).encode()
        pages = [b.chunk.page for b in items if b.chunk.page is not None]
        chunk_vectors = vectors[indices] if copy == 0 else noisy_copy(vectors[indices], [copy, indices[0]])
        batch.append(NewDocument(
            name=name, sha256=hashlib.sha256(name.encode() + b"\x00" + original).hexdigest(), kind=items[0].kind,
            pages=max(pages) if pages else None, original=original,
            chunks=[Chunk(b.chunk.text, b.chunk.page, n, b.chunk.heading) for n, b in enumerate(items)],
            vectors=chunk_vectors, embedding_model=model,
            sentence_vectors=[stand_in_sentences(b.chunk, v, [copy, i]) for b, v, i in
                              zip(items, chunk_vectors, indices, strict=True)] if sentences else None))
        placed += len(indices)
        if sum(len(d.chunks) for d in batch) >= ADD_BATCH or placed == chunks:
            app.store.add_documents(batch)
            batch = []
            progress("storing", placed / chunks)
    manifest = {
        "chunks": chunks, "embedding_model": model, "text": text, "real_chunks": real,
        "real_chunks_available": available, "real_cap": real_cap, "synthetic_chunks": chunks - real,
        "synthetic": (f"{chunks - real} passages repeat real text verbatim; their vectors are the real "
                      f"vectors plus Gaussian noise of norm {NOISE_NORM}, re-normalised") if chunks > real else "none",
        "sentence_vectors": ("one per sentence piece of each chunk, as ingest makes them; the chunk's vector plus "
                             f"noise of norm {NOISE_NORM} (they shape the cost of a search, not its quality)"
                             if sentences else "none"),
        "chunk_size": app.settings.chunk_size, "chunk_overlap": app.settings.chunk_overlap,
        "embed_seconds": round(embed_seconds, 1), "build_seconds": round(time.perf_counter() - started, 1),
        "queries": query_pool(base),
    }
    if save is None:
        atomic_write_bytes(app.settings.data_dir / MANIFEST, json.dumps(manifest, indent=1).encode())
    else:
        save(manifest)
    return manifest
