"""The index type follows the library's size: flat, then IVF past ``flat_limit``, flat again below
half of it. Small limits keep these fast; the IVF index must still add, remove, filter and look up
by chunk id, and a Library whose index became IVF must keep working."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from core.ingest.records import Chunk
from core.store.scope import Scope
from core.store.sqlite_store import SqliteStore
from core.store.vector_index import VectorIndex, build_ivf, contents, is_ivf
from tests.store_helpers import add_document

DIM = 16


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype("float32")
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def vectors() -> np.ndarray:
    return _vectors(2000)


def _save(store: VectorIndex, index) -> None:
    """What the library does around its commit: stage the next version, then publish it."""
    store.stage(index)
    store.publish()


def _saved(tmp_path, vectors: np.ndarray, flat_limit: int = 1000, nprobe: int = 4) -> VectorIndex:
    store = VectorIndex(tmp_path / "index.faiss", flat_limit=flat_limit, nprobe=nprobe)
    index = store.empty(DIM)
    index.add_with_ids(vectors, np.arange(1, len(vectors) + 1, dtype="int64"))
    _save(store, index)
    return store


def test_an_index_within_the_limit_stays_exact(tmp_path, vectors):
    store = _saved(tmp_path, vectors[:1000])
    assert not is_ivf(store.current(store.published))
    assert isinstance(store.current(store.published), faiss.IndexIDMap2)


def test_past_the_limit_the_saved_index_is_ivf_with_the_same_ids_and_vectors(tmp_path, vectors):
    store = _saved(tmp_path, vectors)
    store.forget()  # read back from the file
    index = store.current(store.published)
    assert is_ivf(index) and index.nprobe == 4
    ids, stored = contents(index)
    order = np.argsort(ids)
    assert ids[order].tolist() == list(range(1, 2001))
    assert np.allclose(stored[order], vectors)
    assert store.ids(index) == set(range(1, 2001))


def test_ivf_search_finds_a_stored_vector_and_returns_cosines(tmp_path, vectors):
    store = _saved(tmp_path, vectors)
    hits = store.search(store.current(store.published), vectors[41], k=3)
    assert hits[0][0] == 42 and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert store.similarities(store.current(store.published), vectors[41], [42, 7]) == pytest.approx(
        {42: 1.0, 7: float(vectors[6] @ vectors[41])}, abs=1e-5)


def test_ivf_collection_filter_returns_k_allowed_ids_even_outside_the_probed_lists(tmp_path, vectors):
    store = _saved(tmp_path, vectors, nprobe=1)
    allowed = [5, 1500, 1999]
    hits = store.search(store.current(store.published), vectors[0], k=3, allowed=allowed)
    assert sorted(i for i, _ in hits) == allowed
    exact = sorted(allowed, key=lambda i: -float(vectors[i - 1] @ vectors[0]))
    assert [i for i, _ in hits] == exact


def test_ivf_adds_and_removes_by_chunk_id(tmp_path, vectors):
    store = _saved(tmp_path, vectors)
    index = store.current(store.published)
    extra = _vectors(3, seed=5)
    index.add_with_ids(extra, np.array([5001, 5002, 5003], dtype="int64"))
    index.remove_ids(np.array([42, 5002], dtype="int64"))
    _save(store, index)
    store.forget()
    assert store.count(store.current(store.published)) == 2001
    assert store.search(store.current(store.published), extra[0], k=1)[0][0] == 5001
    assert 42 not in {i for i, _ in store.search(store.current(store.published), vectors[41], k=5)}
    assert store.similarities(store.current(store.published), vectors[41], [42]) == {}


def test_below_half_the_limit_it_goes_back_to_exact_search(tmp_path, vectors):
    store = _saved(tmp_path, vectors)
    index = store.current(store.published)
    index.remove_ids(np.arange(1, 1600, dtype="int64"))  # 401 left, under half the limit
    _save(store, index)
    assert not is_ivf(store.current(store.published))
    assert store.ids(store.current(store.published)) == set(range(1600, 2001))
    assert store.search(store.current(store.published), vectors[1799], k=1)[0][0] == 1800


def test_between_half_the_limit_and_the_limit_an_ivf_index_stays_ivf(tmp_path, vectors):
    store = _saved(tmp_path, vectors)
    index = store.current(store.published)
    assert store.fitted(index) is index  # nothing to change: no retraining at every save
    index.remove_ids(np.arange(1, 1200, dtype="int64"))  # 801 left
    _save(store, index)
    assert is_ivf(store.current(store.published))


def test_ivf_is_retrained_once_the_library_has_grown_fourfold(tmp_path):
    many = _vectors(9000, seed=3)
    store = _saved(tmp_path, many[:2000])
    first = store.current(store.published).nlist
    index = store.current(store.published)
    index.add_with_ids(many[2000:], np.arange(2001, 9001, dtype="int64"))
    _save(store, index)
    assert store.current(store.published).nlist >= 2 * first
    assert store.count(store.current(store.published)) == 9000


def test_build_ivf_keys_vectors_by_the_given_ids():
    vectors = _vectors(500)
    index = build_ivf(np.arange(100, 600), vectors, nprobe=8)
    assert np.allclose(index.reconstruct(100), vectors[0])


def test_a_library_keeps_working_after_its_index_becomes_ivf(tmp_path, monkeypatch):
    monkeypatch.setattr("core.store.vector_index.FLAT_LIMIT", 300)
    library = SqliteStore(tmp_path)
    vectors = _vectors(400)
    for n in range(4):
        rows = range(n * 100, (n + 1) * 100)
        add_document(library, name=f"d{n}.txt", sha256=f"{n:064d}", kind="txt", pages=None, original=b"x",
                             chunks=[Chunk(text=f"passage {i}", page=None, ordinal=j) for j, i in enumerate(rows)],
                             vectors=vectors[n * 100:(n + 1) * 100], embedding_model="fake",
                             collection="even" if n % 2 == 0 else "odd")
    assert is_ivf(library._current())
    assert library.search(vectors[250], k=1)[0].text == "passage 250"
    assert {h.source for h in library.search(vectors[250], k=5, scope=Scope.of(["even"]))} <= {"d0.txt", "d2.txt"}
    scoped = library.search(vectors[250], k=5, scope=Scope.of(["even"], [f"{0:064d}"]))  # far from the query
    assert len(scoped) == 5 and {h.source for h in scoped} == {"d0.txt"}
    library.delete_document(f"{2:064d}")
    reopened = SqliteStore(tmp_path)
    assert reopened.vector_count() == reopened.chunk_count() == 300
    assert "passage 250" not in {h.text for h in reopened.search(vectors[250], k=5)}
