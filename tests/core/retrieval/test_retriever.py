"""Retrieval modes and the "is it in the library at all" decision, over a real library with
fake embeddings (the real models are in tests/integration)."""

from dataclasses import replace

import pytest
from langchain_core.embeddings import Embeddings

from core.retrieval.retriever import Retrieval
from core.service import DocChat


class NoEmbeddings(Embeddings):
    def embed_documents(self, texts):
        raise AssertionError("keyword search must not embed")

    def embed_query(self, text):
        raise AssertionError("keyword search must not embed")


@pytest.fixture
def filled(app: DocChat, lighthouse_pdf) -> DocChat:
    assert app.ingest_paths([lighthouse_pdf])[0].ok
    return app


@pytest.mark.parametrize("mode", ["vector", "keyword", "hybrid"])
def test_every_mode_returns_hits_with_file_and_page(filled: DocChat, mode):
    hits = filled.search("when was the lighthouse built", k=2, mode=mode)
    assert hits and all(h.source == "lighthouse.pdf" and h.page in (1, 2) for h in hits)


def test_keyword_finds_the_page_with_the_rare_word_and_hybrid_keeps_it_first(filled: DocChat):
    assert filled.search("whale oil", k=1, mode="keyword")[0].page == 2
    assert filled.search("whale oil", k=1, mode="hybrid")[0].page == 2


def test_keyword_mode_never_loads_an_embedder(filled: DocChat):
    retrieval = replace(filled.retrieval("keyword"), embeddings=NoEmbeddings())
    assert retrieval.search("Skarvoy", 2)


def test_hybrid_hits_carry_their_cosine_similarity(filled: DocChat):
    hits = filled.search("lighthouse", k=2, mode="hybrid")
    assert all(h.similarity is not None and -1.0 <= h.similarity <= 1.0001 for h in hits)


def test_far_from_everything_is_not_grounded_but_the_closest_passages_come_back(filled: DocChat):
    retrieval = replace(filled.retrieval(), min_similarity=1.5)  # no cosine reaches it
    retrieved = retrieval.retrieve("What is the capital of Mars?", 3)
    assert not retrieved.grounded and retrieved.hits


def test_every_word_found_in_one_passage_counts_as_grounded(filled: DocChat):
    """A number or a code means little to an embedding; finding all of it verbatim is evidence."""
    retrieval = replace(filled.retrieval(), min_similarity=1.5)
    assert retrieval.retrieve("1874 harbour board", 3).grounded


def test_close_enough_is_grounded(filled: DocChat):
    assert replace(filled.retrieval(), min_similarity=-1.0).retrieve("anything at all", 3).grounded


def test_an_empty_library_is_never_grounded(app: DocChat):
    retrieved = app.retrieve("lighthouse")
    assert retrieved.hits == [] and not retrieved.grounded


def test_unknown_modes_and_a_missing_reranker_are_clear_errors(filled: DocChat):
    with pytest.raises(ValueError, match="unknown retriever"):
        filled.retrieval("magic")
    with pytest.raises(ValueError, match="needs a reranker"):
        Retrieval(filled.store, filled.embeddings, mode="hybrid+rerank")


def test_hybrid_scores_each_candidate_by_its_best_sentence_or_else_its_own_vector(filled: DocChat):
    retrieval = replace(filled.retrieval(), sentence_weight=0.6)
    seen = {}
    original = filled.store.sentence_similarities

    def spy(vector, ids):
        seen["ids"] = ids
        return original(vector, ids)

    filled.store.sentence_similarities = spy
    hits = retrieval.search("whale oil", 2)
    assert hits and seen["ids"]
    best = retrieval._best_sentences(filled.embeddings.embed_query("whale oil"), seen["ids"],
                                     filled.store.similarities(filled.embeddings.embed_query("whale oil"),
                                                                 seen["ids"]))
    assert set(best) == set(seen["ids"])  # every candidate has a sentence score, stored or its own
