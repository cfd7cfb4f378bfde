import numpy as np
import pytest

from core.ingest.records import Chunk
from core.store.base import LibraryMismatch
from core.store.keyword_query import KeywordQuery, Term
from core.store.scope import Scope
from core.store.sqlite_store import SqliteStore
from tests.store_helpers import add_document


def _vectors(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, dim)).astype("float32")
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _add(library: SqliteStore, sha: str, texts: list[str], seed: int = 0, model: str = "fake"):
    chunks = [Chunk(text=t, page=i + 1, ordinal=i) for i, t in enumerate(texts)]
    vectors = _vectors(len(texts), seed=seed)
    add_document(library, name=f"{sha}.pdf", sha256=sha, kind="pdf", pages=len(texts), original=b"x" * 10,
                         chunks=chunks, vectors=vectors, embedding_model=model)
    return vectors


def test_add_then_search_returns_the_nearest_chunk_with_its_page(tmp_path):
    library = SqliteStore(tmp_path)
    vectors = _add(library, "aaa", ["one", "two", "three"])
    hits = library.search(vectors[1], k=2)
    assert hits[0].text == "two" and hits[0].page == 2 and hits[0].source == "aaa.pdf"
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)


def test_a_second_instance_sees_new_documents_without_restart(tmp_path):
    reader = SqliteStore(tmp_path)
    assert reader.search(_vectors(1)[0], k=1) == []
    writer = SqliteStore(tmp_path)
    vectors = _add(writer, "bbb", ["alpha", "beta"])
    assert reader.search(vectors[0], k=1)[0].text == "alpha"
    assert [d.sha256 for d in reader.documents()] == ["bbb"]


def test_adding_the_same_bytes_twice_keeps_one_copy(tmp_path):
    library = SqliteStore(tmp_path)
    _add(library, "ccc", ["x"])
    _add(library, "ccc", ["x"])
    assert len(library.documents()) == 1
    assert library.vector_count() == library.chunk_count() == 1


def test_an_index_staged_but_never_committed_is_discarded_on_open(tmp_path):
    import faiss

    library = SqliteStore(tmp_path)
    _add(library, "ddd", ["kept"])
    index = faiss.read_index(str(library.index_path))
    index.add_with_ids(_vectors(2, seed=9), np.array([100, 101], dtype="int64"))
    faiss.write_index(index, str(tmp_path / "index.faiss.next"))  # staged, then the process died
    reopened = SqliteStore(tmp_path)
    assert reopened.vector_count() == reopened.chunk_count() == 1
    assert not (tmp_path / "index.faiss.next").exists()


def test_an_index_older_than_the_rows_loses_no_document(tmp_path):
    library = SqliteStore(tmp_path)
    _add(library, "eee", ["first"])
    saved = library.index_path.read_bytes()
    _add(library, "fff", ["second"], seed=3)
    library.index_path.write_bytes(saved)  # an index older than the database (a backup put back)
    reopened = SqliteStore(tmp_path)
    assert [d.sha256 for d in reopened.documents()] == ["eee", "fff"]
    assert reopened.missing_vectors() == [1, 2]  # not trusted at all: its ids may name other chunks
    assert (tmp_path / "uploads" / "fff").exists()


def test_mixing_embedding_models_is_refused(tmp_path):
    library = SqliteStore(tmp_path)
    _add(library, "ggg", ["x"], model="model-a")
    with pytest.raises(LibraryMismatch, match="re-index"):
        _add(library, "hhh", ["y"], model="model-b")
    assert library.chunk_count() == 1


def test_original_is_stored_by_hash_not_by_name(tmp_path):
    library = SqliteStore(tmp_path)
    _add(library, "iii", ["x"])
    assert (tmp_path / "uploads" / "iii").read_bytes() == b"x" * 10
    assert not list(tmp_path.glob("**/*.pdf"))


def test_index_file_is_plain_faiss_not_pickle(tmp_path):
    import faiss

    library = SqliteStore(tmp_path)
    _add(library, "jjj", ["x", "y"])
    assert faiss.read_index(str(library.index_path)).ntotal == 2
    assert not list(tmp_path.glob("*.pkl"))


def test_delete_removes_rows_vectors_and_the_stored_file_together(tmp_path):
    library = SqliteStore(tmp_path)
    kept = _add(library, "kkk", ["stays", "here"])
    _add(library, "lll", ["goes", "away", "now"], seed=5)
    removed = library.delete_document("lll")
    assert removed is not None and removed.chunks == 3
    assert [d.sha256 for d in library.documents()] == ["kkk"]
    assert library.vector_count() == library.chunk_count() == 2
    assert not (tmp_path / "uploads" / "lll").exists()
    assert {h.text for h in library.search(kept[0], k=5)} == {"stays", "here"}
    assert library.delete_document("lll") is None
    assert SqliteStore(tmp_path).vector_count() == 2  # what is on disk agrees


def test_a_delete_cut_off_before_commit_keeps_the_document_whole(tmp_path):
    import faiss

    library = SqliteStore(tmp_path)
    _add(library, "mmm", ["a"])
    _add(library, "nnn", ["b"], seed=2)
    index = faiss.read_index(str(library.index_path))
    index.remove_ids(np.array([2], dtype="int64"))  # the next version staged, rows not yet deleted
    faiss.write_index(index, str(tmp_path / "index.faiss.next"))
    reopened = SqliteStore(tmp_path)
    assert [d.sha256 for d in reopened.documents()] == ["mmm", "nnn"]
    assert reopened.vector_count() == reopened.chunk_count() == 2
    assert reopened.missing_vectors() == []


def test_a_failed_index_write_rolls_the_rows_back(tmp_path, monkeypatch):
    import faiss

    library = SqliteStore(tmp_path)
    _add(library, "ooo", ["kept"])

    def disk_full(index, path):
        raise OSError("No space left on device")

    monkeypatch.setattr(faiss, "write_index", disk_full)
    with pytest.raises(OSError, match="No space"):
        _add(library, "ppp", ["lost", "chunks"], seed=4)
    monkeypatch.undo()
    assert [d.sha256 for d in library.documents()] == ["ooo"]
    assert library.vector_count() == library.chunk_count() == 1
    assert not list(tmp_path.glob(".index.faiss.*"))  # no temp file left behind
    assert not list((tmp_path / "uploads").glob("ppp*"))  # nor a stored copy of the failed file
    reopened = SqliteStore(tmp_path)
    assert reopened.vector_count() == reopened.chunk_count() == 1


def _add_in(library: SqliteStore, sha: str, collection: str, texts: list[str], seed: int = 0, replaces: str = ""):
    chunks = [Chunk(text=t, page=1, ordinal=i) for i, t in enumerate(texts)]
    vectors = _vectors(len(texts), seed=seed)
    add_document(library, name="report.pdf", sha256=sha, kind="pdf", pages=1, original=sha.encode(), chunks=chunks,
                         vectors=vectors, embedding_model="fake", collection=collection, replaces=replaces)
    return vectors


def test_a_collection_filter_limits_vector_and_keyword_search(tmp_path):
    library = SqliteStore(tmp_path)
    work = _add_in(library, "w" * 64, "work", ["quarterly budget for the harbour"], seed=1)
    _add_in(library, "h" * 64, "home", ["budget for the garden shed"], seed=2)
    assert library.collections() == ["home", "work"]
    assert [h.text for h in library.search(work[0], 5, Scope.of(["home"]))] == ["budget for the garden shed"]
    assert library.search(work[0], 5, Scope.of([])) == []
    budget = KeywordQuery((Term("budget"),))
    assert [h.sha256 for h in library.keyword_search(budget, 5, Scope.of(["work"]))] == ["w" * 64]
    assert len(library.keyword_search(KeywordQuery((Term("budget"),)), 5)) == 2
    assert [d.collection for d in library.documents(["work"])] == ["work"]


def test_a_replacement_swaps_rows_vectors_and_stored_file_in_one_step(tmp_path):
    library = SqliteStore(tmp_path)
    old = _add_in(library, "1" * 64, "", ["old figures"], seed=1)
    assert library.find_by_name("report.pdf").sha256 == "1" * 64
    new = _add_in(library, "2" * 64, "", ["new figures", "more new figures"], seed=2, replaces="1" * 64)
    assert [d.sha256 for d in library.documents()] == ["2" * 64]
    assert library.vector_count() == library.chunk_count() == 2
    assert library.search(old[0], 1)[0].text != "old figures"
    assert library.search(new[0], 1)[0].text == "new figures"
    assert library.original("1" * 64) is None and library.original("2" * 64) == b"2" * 64


def test_moving_a_document_to_another_collection_keeps_its_passages(tmp_path):
    library = SqliteStore(tmp_path)
    _add_in(library, "m" * 64, "inbox", ["a letter"])
    library.set_collection("m" * 64, " archive ")
    assert library.find("m" * 64).collection == "archive" and library.chunk_count() == 1


def test_original_is_only_read_by_hash(tmp_path):
    library = SqliteStore(tmp_path)
    (tmp_path / "secret").write_bytes(b"not an upload")
    assert library.original("../secret") is None


def test_a_library_from_before_collections_gains_the_column(tmp_path):
    import sqlite3

    library = SqliteStore(tmp_path)
    _add(library, "o" * 64, ["kept"])
    conn = sqlite3.connect(tmp_path / "library.sqlite")
    conn.execute("ALTER TABLE documents DROP COLUMN collection")
    conn.commit()
    conn.close()
    reopened = SqliteStore(tmp_path)
    assert reopened.documents()[0].collection == "" and reopened.chunk_count() == 1
