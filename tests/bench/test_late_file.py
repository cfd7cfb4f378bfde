"""The late-file bench (bench/late_file.py) at a tiny size with a fake embedder: both documents end with
every vector, and both times are reported."""

from __future__ import annotations

from langchain_core.embeddings import DeterministicFakeEmbedding

from bench.late_file import measure
from tests.bench.test_big_pdf import TEXT


def test_the_note_and_the_pdf_both_get_their_vectors_and_both_times_are_measured():
    result = measure(3, after=0.2, embeddings=DeterministicFakeEmbedding(size=32), text=TEXT)
    assert result["pdf_chunks"] > 0 and 0 < result["note_vectors_s"] and 0 < result["pdf_vectors_s"]
