"""Sentence vectors as the embedded library stores them (what both stores do with them is in
test_store_contract.py)."""

import numpy as np
import pytest

from core.ingest.records import Chunk
from core.store.sentence_vectors import best_sentences, sentence_blob
from core.store.sqlite_store import SqliteStore
from tests.store_helpers import add_document


def _unit(*rows: list[float]) -> np.ndarray:
    m = np.asarray(rows, dtype="float32")
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _add(library: SqliteStore, sha: str, sentences) -> None:
    chunks = [Chunk("one. two.", 1, 0), Chunk("three", 1, 1)]
    add_document(library, name=f"{sha}.txt", sha256=sha, kind="txt", pages=1, original=sha.encode(), chunks=chunks,
                         vectors=np.eye(2, 4, dtype="float32"), embedding_model="fake", sentence_vectors=sentences)


def test_one_list_entry_per_chunk_is_required(tmp_path):
    with pytest.raises(ValueError, match="every chunk"):
        _add(SqliteStore(tmp_path), "a", [None])
    assert SqliteStore(tmp_path).is_empty()


def test_a_blob_of_another_dimension_is_skipped_not_misread():
    rows = [(1, sentence_blob(_unit([1, 0, 0]))), (2, sentence_blob(_unit([0, 1, 0, 0]))), (3, b"")]
    assert best_sentences(_unit([0, 1, 0, 0])[0], rows) == {2: pytest.approx(1.0, abs=1e-3)}
