"""The store contract: what the app relies on from a library, run against both stores
(``open_library`` in conftest.py: SQLite + FAISS, and PostgreSQL + pgvector on a real server).
Anything store-specific (files on disk, crash recovery, SQL plans) is tested beside each store."""

from __future__ import annotations

import numpy as np
import pytest

from core.ingest.records import Chunk
from core.retrieval.keyword import build_query
from core.store.base import LibraryMismatch, Store
from core.store.scope import Scope
from tests.store_helpers import add_document


def _vectors(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype("float32")
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _add(store: Store, sha: str, texts: list[str], seed: int = 0, model: str = "fake", collection: str = "",
         name: str = "", replaces: str = "", headings: list[str | None] | None = None, dim: int = 8) -> np.ndarray:
    headings = headings or [None] * len(texts)
    chunks = [Chunk(text=t, page=i + 1, ordinal=i, heading=h)
              for i, (t, h) in enumerate(zip(texts, headings, strict=True))]
    vectors = _vectors(len(texts), dim=dim, seed=seed)
    add_document(store, name=name or f"{sha[:8]}.pdf", sha256=sha, kind="pdf", pages=len(texts),
                       original=b"bytes of " + sha.encode(), chunks=chunks, vectors=vectors, embedding_model=model,
                       collection=collection, replaces=replaces)
    return vectors


def _keyword(store: Store, question: str, k: int = 5, scope: Scope | None = None, every: bool = False):
    query = build_query(question, every_word=every)
    return store.keyword_search(query, k, scope)


A, B, C = "a" * 64, "b" * 64, "c" * 64


def test_export_hands_back_what_was_added_so_another_store_answers_the_same(open_library, tmp_path):
    """What a migration relies on: every document with its chunks, vectors, sentence vectors and
    original, with no model loaded; a document whose original is gone comes without one."""
    from core.store.sqlite_store import SqliteStore

    store = open_library()
    vectors = _add(store, A, ["one", "two"], headings=["H", None], collection="work")
    [(record, doc)] = list(store.export())
    assert record == store.find(A) and doc is not None
    assert [(c.text, c.page, c.ordinal, c.heading) for c in doc.chunks] == [("one", 1, 0, "H"), ("two", 2, 1, None)]
    assert np.allclose(doc.vectors, vectors, atol=1e-6) and doc.embedding_model == "fake"
    assert (doc.original, doc.collection, doc.kind) == (b"bytes of " + A.encode(), "work", "pdf")
    copy = SqliteStore(tmp_path / "copy")
    [copied] = copy.add_documents([doc], added=record.added)
    assert copied == record
    assert [h.text for h in copy.search(vectors[1], 1)] == [h.text for h in store.search(vectors[1], 1)] == ["two"]
    stats = store.stats()
    assert (stats.documents, stats.chunks, stats.vectors, stats.text_bytes) == (1, 2, 2, len("one" + "H" + "two"))
    assert stats.disk_bytes and all(size > 0 for size in stats.disk_bytes.values())


def test_an_empty_library(open_library):
    store = open_library()
    assert store.is_empty() and store.chunk_count() == store.vector_count() == 0
    assert store.documents() == [] and store.collections() == [] and store.meta("embedding_model") is None
    assert store.search(_vectors(1)[0], 3) == [] and _keyword(store, "anything") == []
    assert store.find(A) is None and store.original(A) is None


def test_add_then_search_returns_the_nearest_chunk_with_its_page_and_source(open_library):
    store = open_library()
    vectors = _add(store, A, ["one", "two", "three"], name="numbers.pdf")
    hits = store.search(vectors[1], k=2)
    assert len(hits) == 2
    assert (hits[0].text, hits[0].page, hits[0].source, hits[0].sha256) == ("two", 2, "numbers.pdf", A)
    assert hits[0].score == pytest.approx(1.0, abs=1e-5) and hits[0].score > hits[1].score
    assert store.similarities(vectors[1], [hits[0].chunk_id])[hits[0].chunk_id] == pytest.approx(1.0, abs=1e-5)
    assert not store.is_empty() and store.chunk_count() == store.vector_count() == 3
    assert store.meta("embedding_model") == "fake" and store.meta("dimension") == "8"
    [doc] = store.documents()
    assert (doc.name, doc.sha256, doc.kind, doc.pages, doc.chunks) == ("numbers.pdf", A, "pdf", 3, 3)
    assert store.find(A) == doc and store.find_by_name("numbers.pdf") == doc
    assert store.original(A) == b"bytes of " + A.encode()


def test_the_same_bytes_twice_keep_one_copy(open_library):
    store = open_library()
    _add(store, A, ["x"])
    _add(store, A, ["x"])
    assert len(store.documents()) == 1 and store.chunk_count() == store.vector_count() == 1


def test_keyword_search_finds_words_numbers_headings_and_german(open_library):
    store = open_library()
    _add(store, A, ["The big model reaches 28.4 BLEU on WMT 2014.", "Training took 3.5 days on GPUs.",
                    "Die Fundamentalgruppe eines Raumes ist eine topologische Invariante."],
         headings=[None, "Installation", None])
    assert _keyword(store, "28.4")[0].page == 1
    assert _keyword(store, "how long did training take")[0].page == 2
    assert _keyword(store, "Fundamentalgruppe")[0].page == 3
    hit = _keyword(store, "installation")[0]
    assert hit.heading == "Installation" and hit.text.startswith("Training")
    assert _keyword(store, "zebra") == []


def test_korean_words_with_particles_are_found(open_library):
    store = open_library()
    _add(store, A, ["삼성카드 포인트는 결제 금액의 1%가 적립됩니다.", "무이자할부 이용 금액은 적립 제외 대상입니다."])
    assert _keyword(store, "무이자할부는 적립되나요?")[0].page == 2  # by trigrams
    assert _keyword(store, "포인트")[0].page == 1  # a two-syllable word by prefix


def test_every_word_means_every_word(open_library):
    store = open_library()
    _add(store, A, ["the lighthouse keeper rows ashore", "the lighthouse lamp"])
    assert [h.page for h in _keyword(store, "lighthouse keeper", every=True)] == [1]
    assert _keyword(store, "lighthouse zebra", every=True) == []


def test_quotes_and_operators_in_a_question_are_plain_text(open_library):
    store = open_library()
    _add(store, A, ["it's 100% o'clock: a_b & c|d"])
    for question in ["it's", "100%", "a_b", "c|d & !x", "'; DROP TABLE chunks; --", "\\"]:
        _keyword(store, question)  # no syntax error, whatever is found
    assert _keyword(store, "o'clock")[0].page == 1
    assert store.chunk_count() == 1


def test_a_collection_filter_limits_documents_and_both_searches(open_library):
    store = open_library()
    work = _add(store, A, ["quarterly budget for the harbour"], seed=1, collection="work")
    _add(store, B, ["budget for the garden shed"], seed=2, collection="home")
    _add(store, C, ["budget for nothing in particular"], seed=3)
    assert store.collections() == ["", "home", "work"]
    assert [h.sha256 for h in store.search(work[0], 5, Scope.of(["home"]))] == [B]
    assert {h.sha256 for h in store.search(work[0], 5, Scope.of(["home", ""]))} == {B, C}
    assert store.search(work[0], 5, Scope.of([])) == []
    assert [h.sha256 for h in _keyword(store, "budget", scope=Scope.of(["work"]))] == [A]
    assert len(_keyword(store, "budget")) == 3
    assert [d.sha256 for d in store.documents(["work"])] == [A]
    store.set_collection(A, " archive ")
    assert store.find(A).collection == "archive" and store.chunk_count() == 3


def test_a_document_scope_limits_both_searches_and_ands_with_collections(open_library):
    store = open_library()
    work = _add(store, A, ["quarterly budget for the harbour", "budget meeting notes"], seed=1, collection="work")
    _add(store, B, ["budget for the garden shed"], seed=2, collection="home")
    _add(store, C, ["budget for nothing in particular"], seed=3, collection="work")
    only_b = Scope.of(documents=[B])
    assert {h.sha256 for h in store.search(work[0], 5, only_b)} == {B}
    assert {h.sha256 for h in _keyword(store, "budget", scope=only_b)} == {B}
    assert {h.sha256 for h in store.search(work[0], 5, Scope.of(documents=[A, B]))} == {A, B}
    assert [h.sha256 for h in _keyword(store, "budget", scope=Scope.of(["work"], [A, B]))] == [A, A]
    assert store.search(work[0], 5, Scope.of(["home"], [A])) == []  # both limits hold
    assert _keyword(store, "budget", scope=Scope.of(["home"], [A])) == []
    nothing = Scope.of(documents=[])
    assert store.search(work[0], 5, nothing) == [] and _keyword(store, "budget", scope=nothing) == []
    assert store.search(work[0], 5, Scope.of(documents=["f" * 64])) == []  # a document deleted since
    assert len(store.search(work[0], 5, Scope())) == 4 and len(_keyword(store, "budget", scope=Scope())) == 4


def test_a_small_scope_among_many_chunks_still_returns_k_hits(open_library):
    """The scope limits the search itself: a top-k taken first and filtered after would come back
    empty here, since the scoped document holds 6 of 606 chunks."""
    store = open_library()
    for n in range(6):
        _add(store, f"{n:064x}", [f"common word, common word: filler {n} {i}" for i in range(100)], seed=10 + n)
    _add(store, B, [f"common word scoped {i}" for i in range(6)], seed=99)
    query = _vectors(1, seed=5)[0]
    assert {h.sha256 for h in store.search(query, 5)} - {B} and {h.sha256 for h in _keyword(store, "common")} - {B}
    hits = store.search(query, 5, Scope.of(documents=[B]))
    assert len(hits) == 5 and {h.sha256 for h in hits} == {B}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len(store.search(query, 10, Scope.of(documents=[B]))) == 6  # all it holds
    words = _keyword(store, "common word", k=5, scope=Scope.of(documents=[B]))
    assert len(words) == 5 and {h.sha256 for h in words} == {B}


def test_a_replacement_swaps_the_document_in_one_step(open_library):
    store = open_library()
    old = _add(store, A, ["old figures"], seed=1, name="report.pdf")
    assert store.find_by_name("report.pdf").sha256 == A
    new = _add(store, B, ["new figures", "more new figures"], seed=2, name="report.pdf", replaces=A)
    assert [d.sha256 for d in store.documents()] == [B] and store.find_by_name("report.pdf").sha256 == B
    assert store.chunk_count() == store.vector_count() == 2
    assert "old figures" not in {h.text for h in store.search(old[0], 5)}
    assert store.search(new[0], 1)[0].text == "new figures"
    assert store.original(A) is None and store.original(B) == b"bytes of " + B.encode()
    assert _keyword(store, "old") == []


def test_reading_a_document_again_replaces_it_with_itself(open_library):
    store = open_library()
    _add(store, A, ["one chunk"])
    _add(store, A, ["now", "three", "chunks"], replaces=A)
    assert store.find(A).chunks == 3 and store.chunk_count() == store.vector_count() == 3


def test_delete_removes_rows_vectors_and_the_original_together(open_library):
    store = open_library()
    kept = _add(store, A, ["stays", "here"])
    _add(store, B, ["goes", "away", "now"], seed=5)
    removed = store.delete_document(B)
    assert removed is not None and removed.chunks == 3 and removed.sha256 == B
    assert [d.sha256 for d in store.documents()] == [A]
    assert store.chunk_count() == store.vector_count() == 2
    assert store.original(B) is None and _keyword(store, "away") == []
    assert {h.text for h in store.search(kept[0], k=5)} == {"stays", "here"}
    assert store.delete_document(B) is None
    assert open_library().chunk_count() == 2  # a fresh open agrees


def test_a_second_instance_sees_new_documents_without_restart(open_library):
    reader = open_library()
    assert reader.search(_vectors(1)[0], k=1) == []
    writer = open_library()
    vectors = _add(writer, A, ["alpha", "beta"])
    assert reader.search(vectors[0], k=1)[0].text == "alpha"
    assert [d.sha256 for d in reader.documents()] == [A] and reader.original(A) is not None
    writer.delete_document(A)
    assert reader.documents() == [] and reader.is_empty()


def test_mixing_embedding_models_is_refused(open_library):
    store = open_library()
    _add(store, A, ["x"], model="model-a")
    store.check_embedding_model("model-a")
    with pytest.raises(LibraryMismatch, match="re-index"):
        store.check_embedding_model("model-b")
    with pytest.raises(LibraryMismatch, match="re-index"):
        _add(store, B, ["y"], model="model-b")
    assert store.chunk_count() == 1 and store.find(B) is None and store.original(B) is None
    store.delete_document(A)
    _add(store, B, ["y"], model="model-b", dim=16)  # an empty library takes any model, of any dimension
    assert store.meta("embedding_model") == "model-b" and store.meta("dimension") == "16"
    assert store.vector_count() == 1


def test_reindex_swaps_every_vector_for_another_model(open_library):
    store = open_library()
    _add(store, A, ["first", "second"], headings=["Title", None])
    rows = store.chunk_texts()
    assert [(text, heading) for _, text, heading in rows] == [("first", "Title"), ("second", None)]
    ids = np.array([i for i, _, _ in rows], dtype="int64")
    vectors = _vectors(2, dim=16, seed=7)
    with pytest.raises(RuntimeError, match="changed"):
        store.reindex(vectors[:1], ids[:1], "model-16")
    store.reindex(vectors, ids, "model-16")
    assert store.meta("embedding_model") == "model-16" and store.meta("dimension") == "16"
    assert store.search(vectors[1], 1)[0].text == "second"
    assert store.vector_count() == 2
    store.check_embedding_model("model-16")
    _add(store, B, ["third"], model="model-16", dim=16)
    assert store.chunk_count() == 3


def _unit(*rows: list[float]) -> np.ndarray:
    m = np.asarray(rows, dtype="float32")
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _add_with_sentences(store: Store, sha: str, sentences) -> list[int]:
    chunks = [Chunk("one. two.", 1, 0), Chunk("three", 1, 1)]
    add_document(store, name=f"{sha[:8]}.txt", sha256=sha, kind="txt", pages=1, original=sha.encode(), chunks=chunks,
                       vectors=np.eye(2, 4, dtype="float32"), embedding_model="fake", sentence_vectors=sentences)
    return [h.chunk_id for h in store.search(np.eye(1, 4, 0, dtype="float32")[0], 10) if h.sha256 == sha]


def test_sentence_vectors_give_each_chunk_its_best_sentence_and_go_with_it(open_library):
    store = open_library()
    first, _ = sorted(_add_with_sentences(store, A, [_unit([1, 0, 0, 0], [0, 0, 1, 0]), None]))
    kept = sorted(_add_with_sentences(store, B, [_unit([0, 1, 0, 0]), _unit([0, 0, 0, 1], [0, 0, 1, 0])]))
    query = _unit([0, 0, 1, 1])[0]
    best = store.sentence_similarities(query, [first, first + 1, *kept])
    assert best == pytest.approx({first: 0.7071, kept[0]: 0.0, kept[1]: 0.7071}, abs=1e-3)  # one-piece: left out
    store.delete_document(A)
    assert set(store.sentence_similarities(query, [first, *kept])) == set(kept)
    ids = np.array([i for i, _, _ in store.chunk_texts()], dtype="int64")
    store.reindex(np.eye(2, 6, dtype="float32"), ids, "fake-6", [None, _unit([0, 0, 0, 0, 0, 1])])
    assert store.sentence_similarities(np.eye(1, 6, 5, dtype="float32")[0], kept) == {ids[1]: pytest.approx(1.0)}
    store.reindex(np.eye(2, 6, dtype="float32"), ids, "fake-6")  # sentence vectors off: none left
    assert store.sentence_similarities(np.eye(1, 6, 5, dtype="float32")[0], kept) == {}


def test_a_whole_library_has_every_vector_and_original(open_library):
    store = open_library()
    _add(store, A, ["one", "two", "three"])
    assert store.missing_vectors() == [] and store.missing_originals() == []
    ids = [i for i, _, _ in store.chunk_texts()]
    assert [text for _, text, _ in store.chunk_texts(ids[1:])] == ["two", "three"]
    assert store.restore_original(A, b"bytes of " + A.encode()) is False  # nothing was missing
    assert store.add_vectors(_vectors(1), np.array(ids[:1], dtype="int64")) == 0  # nor any vector
    assert store.original(A) == b"bytes of " + A.encode()


def test_a_documents_chunks_come_back_in_reading_order_with_their_ids(open_library):
    store = open_library()
    _add(store, A, ["one", "two", "three"], headings=["Intro", None, "End"])
    _add(store, B, ["other"])
    chunks = store.document_chunks(A)
    assert [(c.text, c.heading, c.page, c.ordinal) for _, c in chunks] == [
        ("one", "Intro", 1, 0), ("two", None, 2, 1), ("three", "End", 3, 2)]
    hit = store.search(_vectors(3)[1], 1)[0]  # "two" was added with the second vector
    assert hit.chunk_id == chunks[1][0]
    assert store.document_chunks("f" * 64) == []


def test_a_document_without_vectors_waits_for_them(open_library):
    """Keyword-first (issue 20): every store ``defers_vectors``: it commits a document's rows now, finds it
    by its words at once, lists its chunks as waiting and takes their vectors later, each once."""
    store = open_library()
    _add(store, A, ["the embedded one"])
    chunks = [Chunk(text=t, page=1, ordinal=i) for i, t in enumerate(["lighthouse keeper", "keeper's lamp oil"])]
    later = dict(name="later.pdf", sha256=B, kind="pdf", pages=1, original=b"later", chunks=chunks, vectors=None,
                 embedding_model="fake")
    assert store.defers_vectors
    add_document(store, **later)
    assert store.pending_documents() == {B: (2, 2)}
    assert {h.sha256 for h in _keyword(store, "keeper")} == {B}
    waiting = store.missing_vectors()
    assert len(waiting) == 2 and store.vector_count() == 1
    with pytest.raises(LibraryMismatch):  # the library is already that model's
        _add(store, C, ["another model"], model="other")
    assert store.add_vectors(_vectors(1, seed=3), np.array(waiting[:1], dtype="int64")) == 1
    assert store.pending_documents() == {B: (1, 2)}
    assert store.add_vectors(_vectors(2, seed=4), np.array(waiting, dtype="int64")) == 1  # none twice
    assert store.pending_documents() == {} and store.vector_count() == 3
    assert store.search(_vectors(1, seed=3)[0], 1)[0].sha256 == B
