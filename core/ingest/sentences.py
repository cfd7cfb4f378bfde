"""Sentence vectors: each chunk is also embedded sentence by sentence.

A chunk's one vector averages all its sentences, while a question usually asks about one of
them. Scoring a chunk by its best sentence as well as by the whole chunk and by BM25 lifted
SQuAD dev hit@1 from 0.829 to 0.857 (docs/decisions/007-sentence-vectors.md); the price is
1.7-1.9x the embedding time at ingest. The pieces come from langchain-text-splitters: sentence
ends and line breaks first, short sentences merged up to ``SENTENCE_CHARS``. A table is judged
as a whole: its rows mean little without their header (the NICS "handgun checks in Texas" row
fell from first to fourth when each row was a sentence).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings

from core.embeddings.slices import EMBED_BATCH, embed_in_slices
from core.store.records import Chunk, embedding_text

SENTENCE_CHARS = 200
_SEPARATORS = ["\n", ". ", "? ", "! ", "。", "; ", " ", ""]


@lru_cache(maxsize=1)
def _splitter():
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=SENTENCE_CHARS, chunk_overlap=0, separators=_SEPARATORS,
                                          keep_separator="end")


def is_table(text: str) -> bool:
    """Rows of cells as the loaders write tables ("a | b | c" per line), for most of the lines."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) >= 2 and sum(" | " in line for line in lines) * 2 > len(lines)


def sentence_texts(text: str, heading: str | None) -> list[str]:
    """What is embedded for each sentence (heading first, as for chunks); empty when the chunk
    is a single piece or a table, whose chunk vector already says it all."""
    if is_table(text):
        return []
    pieces = [p.strip() for p in _splitter().split_text(text) if p.strip()]
    return [embedding_text(p, heading) for p in pieces] if len(pieces) > 1 else []


def embed_chunks(embeddings: Embeddings, chunks: list[Chunk], with_sentences: bool,
                 on_done: Callable[[float], object] = lambda _done: None,
                 ) -> tuple[np.ndarray | None, list[np.ndarray | None] | None]:
    """Chunk vectors and, with ``with_sentences``, each chunk's sentence vectors (None for a
    one-piece chunk), embedded in one pass so slices of similar length batch together."""
    return embed_texts(embeddings, [(c.text, c.heading) for c in chunks], with_sentences, on_done)


def embed_texts(embeddings: Embeddings, parts: list[tuple[str, str | None]], with_sentences: bool,
                on_done: Callable[[float], object] = lambda _done: None, batch: int = EMBED_BATCH,
                before: Callable[[], object] = lambda: None,
                ) -> tuple[np.ndarray | None, list[np.ndarray | None] | None]:
    """``embed_chunks`` for stored chunks given as (text, heading); ``batch`` and ``before`` as for
    ``embed_in_slices``."""
    texts = [embedding_text(text, heading) for text, heading in parts]
    per_chunk = [sentence_texts(text, heading) if with_sentences else [] for text, heading in parts]
    vectors = embed_in_slices(embeddings, texts + [s for group in per_chunk for s in group], on_done, batch, before)
    if vectors is None or not with_sentences:
        return vectors, None
    sentences: list[np.ndarray | None] = []
    start = len(texts)
    for group in per_chunk:
        sentences.append(vectors[start:start + len(group)] if group else None)
        start += len(group)
    return vectors[:len(texts)], sentences
