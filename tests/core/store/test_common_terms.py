"""Common words leave any-word keyword queries: counted in the library's own FTS5 index, matched
through FTS5's own tokenizer, and never at the cost of a query that would then find nothing."""

import numpy as np

from core.ingest.records import Chunk
from core.retrieval.keyword import build_query
from core.store.common_terms import CommonTerms
from core.store.fts import expression
from core.store.keyword_query import KeywordQuery, Term
from core.store.sqlite_store import SqliteStore
from tests.store_helpers import add_document

TEXTS = [
    "The ferry was late and the harbour was closed.",
    "The harbour master said the storm was over.",
    "The zebra was seen near the old mill.",
    "Der Hafen war geschlossen, der Sturm war vorbei.",
    "Inflation was 28.4 percent that year.",
    "The 서울 office was open.",
]


def _library(tmp_path, texts=TEXTS) -> SqliteStore:
    library = SqliteStore(tmp_path)
    vectors = np.eye(len(texts), 8, dtype="float32")
    add_document(library, name="a.txt", sha256="a" * 64, kind="txt", pages=1, original=b"x",
                         chunks=[Chunk(text=t, page=1, ordinal=i) for i, t in enumerate(texts)],
                         vectors=vectors, embedding_model="fake")
    return library


def _leave_out(library: SqliteStore, question: str, share: float = 0.5, every_word: bool = False) -> str | None:
    """The words' FTS5 expression once the common ones are left out."""
    common = CommonTerms(share=share, min_chunks=1)
    with library._connect() as conn:
        return expression(common.leave_out(conn, build_query(question, every_word)).words, every_word)


def test_words_in_most_chunks_leave_the_query_by_their_index_term(tmp_path):
    library = _library(tmp_path)
    # "the" is in 5 of 6 chunks; "was" in all 6, and the index holds it stemmed ("wa").
    assert _leave_out(library, "Was the zebra there?") == '"zebra" OR "there"'


def test_a_library_below_the_size_threshold_is_queried_as_asked(tmp_path):
    library = _library(tmp_path)
    with library._connect() as conn:
        query = build_query("Was the zebra there?")
        assert CommonTerms(share=0.5, min_chunks=1000).leave_out(conn, query) == query


def test_all_words_queries_phrases_prefixes_and_all_common_questions_stay_whole(tmp_path):
    library = _library(tmp_path)
    assert _leave_out(library, "the zebra", every_word=True) == '"the" AND "zebra"'
    assert _leave_out(library, "was the") == '"was" OR "the"'  # nothing would be left to find
    kept = _leave_out(library, "the 28.4 서울")
    assert '"28.4"' in kept and '"서울"*' in kept and '"the"' not in kept


def test_german_common_words_go_by_the_same_count(tmp_path):
    texts = [f"der Hafen {i} war offen" for i in range(5)] + ["der Leuchtturm stand"]
    assert _leave_out(_library(tmp_path, texts), "Wo stand der Leuchtturm?") == '"wo" OR "stand" OR "leuchtturm"'


def test_the_library_leaves_them_out_and_still_ranks_the_right_chunk_first(tmp_path):
    library = _library(tmp_path)
    library._common_terms = CommonTerms(share=0.5, min_chunks=1)
    query = build_query("Where was the zebra seen?")
    hits = library.keyword_search(query, 3)
    assert hits[0].text.startswith("The zebra")


def test_counts_follow_the_library_as_it_grows(tmp_path, monkeypatch):
    import core.store.common_words as common_words

    monkeypatch.setattr(common_words, "REFRESH_SECONDS", 0.0)
    library = _library(tmp_path, ["zebra one", "mill two"])
    common = CommonTerms(share=0.5, min_chunks=1)
    query = KeywordQuery((Term("zebra"), Term("mill")))
    with library._connect() as conn:
        assert common.leave_out(conn, query) == query
    add_document(library, name="b.txt", sha256="b" * 64, kind="txt", pages=1, original=b"y",
                         chunks=[Chunk(text=f"zebra {i}", page=1, ordinal=i) for i in range(3)],
                         vectors=np.eye(3, 8, k=2, dtype="float32"), embedding_model="fake")
    with library._connect() as conn:
        assert common.leave_out(conn, query).words == (Term("mill"),)
