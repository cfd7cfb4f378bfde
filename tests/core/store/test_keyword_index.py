"""The full-text indexes beside the chunk table: kept in step on add and delete, built for
libraries made before they existed, and searchable in English, German and Korean."""

import sqlite3

import numpy as np

from core.ingest.records import Chunk
from core.retrieval.keyword import build_query
from core.store.sqlite_store import SqliteStore
from tests.store_helpers import add_document


def _add(library: SqliteStore, sha: str, texts: list[str], headings: list[str | None] | None = None) -> None:
    headings = headings or [None] * len(texts)
    chunks = [Chunk(text=t, page=i + 1, ordinal=i, heading=h)
              for i, (t, h) in enumerate(zip(texts, headings, strict=True))]
    vectors = np.eye(len(texts), 8, dtype="float32")
    add_document(library, name=f"{sha}.pdf", sha256=sha, kind="pdf", pages=len(texts), original=sha.encode(),
                         chunks=chunks, vectors=vectors, embedding_model="fake")


def _search(library: SqliteStore, question: str, k: int = 5):
    query = build_query(question)
    return library.keyword_search(query, k)


def test_keyword_search_ranks_by_bm25_and_finds_numbers(tmp_path):
    library = SqliteStore(tmp_path)
    _add(library, "paper", ["The big model reaches 28.4 BLEU on WMT 2014.", "Training took 3.5 days on GPUs.",
                            "Attention is all you need."])
    assert _search(library, "28.4")[0].text.startswith("The big model")
    assert _search(library, "how long did training take")[0].page == 2


def test_stemming_and_accents_and_german_words(tmp_path):
    library = SqliteStore(tmp_path)
    _add(library, "de", ["Die Fundamentalgruppe eines Raumes ist eine topologische Invariante.",
                         "Ein Café in München."])
    assert _search(library, "Fundamentalgruppe")[0].page == 1
    assert _search(library, "cafe munchen")[0].page == 2


def test_korean_words_with_particles_are_found_by_trigrams(tmp_path):
    library = SqliteStore(tmp_path)
    _add(library, "ko", ["삼성카드 포인트는 결제 금액의 1%가 적립됩니다.",
                         "무이자할부 이용 금액은 적립 제외 대상입니다."])
    assert _search(library, "무이자할부는 적립되나요?")[0].page == 2
    assert _search(library, "포인트")[0].page == 1  # a two-syllable word by prefix


def test_headings_are_searchable(tmp_path):
    library = SqliteStore(tmp_path)
    _add(library, "md", ["Run the script.", "Open the page."], headings=["Installation", "Usage"])
    hit = _search(library, "installation")[0]
    assert hit.text == "Run the script." and hit.heading == "Installation"


def test_deleting_a_document_removes_its_full_text_rows(tmp_path):
    library = SqliteStore(tmp_path)
    _add(library, "gone", ["lighthouse keeper"])
    _add(library, "kept", ["harbour board"])
    library.delete_document("gone")
    assert _search(library, "lighthouse") == []
    with sqlite3.connect(library.db_path) as conn:
        assert conn.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('integrity-check')") is not None


def test_a_library_from_before_the_keyword_index_gets_one_on_open(tmp_path):
    with sqlite3.connect(tmp_path / "library.sqlite") as conn:  # the first slice's schema
        conn.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE documents (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
                type TEXT NOT NULL, pages INTEGER, chunks INTEGER NOT NULL, size INTEGER NOT NULL,
                added TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
            CREATE TABLE chunks (id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES documents(id)
                ON DELETE CASCADE, ordinal INTEGER NOT NULL, page INTEGER, text TEXT NOT NULL);
            INSERT INTO documents VALUES (1, 'old', 'old.txt', 'txt', NULL, 1, 3, '2026-01-01', '');
            INSERT INTO chunks VALUES (1, 1, 0, NULL, 'an old lighthouse');
        """)
    import faiss

    index = faiss.IndexIDMap2(faiss.IndexFlatIP(8))
    index.add_with_ids(np.eye(1, 8, dtype="float32"), np.array([1], dtype="int64"))
    faiss.write_index(index, str(tmp_path / "index.faiss"))
    library = SqliteStore(tmp_path)
    assert [d.name for d in library.documents()] == ["old.txt"]
    assert _search(library, "lighthouse")[0].text == "an old lighthouse"
    assert library.meta("keyword_index") == "1"
    _add(library, "new", ["a new lighthouse"])  # and the triggers keep it in step from now on
    assert {h.source for h in _search(library, "lighthouse")} == {"old.txt", "new.pdf"}


def test_similarities_are_cosines_of_stored_vectors(tmp_path):
    library = SqliteStore(tmp_path)
    _add(library, "v", ["a", "b"])
    sims = library.similarities(np.eye(1, 8, 1, dtype="float32")[0], [1, 2])
    assert sorted(sims.values()) == [0.0, 1.0]
