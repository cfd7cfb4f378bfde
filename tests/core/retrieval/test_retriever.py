"""Retrieval modes and the "is it in the library at all" decision, over a real library with
fake embeddings (the real models are in tests/integration)."""

from dataclasses import replace
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from core.embeddings import embed_query_vector
from core.retrieval.fusion import METHODS
from core.retrieval.retriever import Retrieval
from core.service import DocChat
from core.store.scope import Scope

E1, E2, E3, E4 = [1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]


class Directions(Embeddings):
    """Each text points the way of the first rule whose words it contains (else E4), so every
    cosine a test meets is known in advance; DeterministicFakeEmbedding's are random."""

    def __init__(self, rules: list[tuple[str, list[float]]]) -> None:
        self.rules = rules

    def embed_query(self, text):
        return next((vector for words, vector in self.rules if words in text), E4)

    def embed_documents(self, texts):
        return [self.embed_query(text) for text in texts]


# Two sentences over 100 characters each, so the sentence splitter (200 characters) keeps them apart.
KEEPER = ("Marta Quell has kept the lighthouse on Skarvoy island for thirty years and rows to the "
          "mainland every Sunday morning.")
OIL = ("Its great lamp, lit every evening at dusk since the tower was finished, still burns whale oil "
       "brought in by the supply boat.")
BOARD = "The harbour board met in 1874."
# Only the whole chunk holds "morning. Its great": its vector is E2, at right angles to "whale oil" (E1).
OIL_DIRECTIONS = [("morning. Its great", E2), ("whale oil", E1), ("Skarvoy", E3), ("harbour board", [0.6, 0.8, 0, 0])]
LAMP = "The lamp burns whale oil."
CLOSE_QUESTION, FAR_QUESTION = "What fuel does the lamp use?", "Who painted the tower?"
LAMP_DIRECTIONS = [(CLOSE_QUESTION, [0.8, 0.6, 0, 0]), (FAR_QUESTION, [0.3, 0.91 ** 0.5, 0, 0]), (LAMP, E1)]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


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


@pytest.fixture
def two_documents(filled: DocChat) -> tuple[DocChat, str, str]:
    """The lighthouse PDF and a ferry note that shares some of its words ("Skarvoy", "harbour")."""
    note = b"The ferry to Skarvoy leaves at nine. The harbour master sells tickets. " * 3
    ferry = filled.ingest_file("ferry.txt", note)
    assert ferry.ok
    [lighthouse] = [d.sha256 for d in filled.documents() if d.name == "lighthouse.pdf"]
    return filled, lighthouse, ferry.sha256


@pytest.mark.parametrize("mode", ["vector", "keyword", "hybrid"])
def test_a_document_scope_keeps_every_mode_inside_that_document(two_documents, mode):
    app, lighthouse, ferry = two_documents
    question = "When was the Skarvoy lighthouse built by the harbour board?"
    assert {h.sha256 for h in app.search(question, k=5, mode=mode)} == {lighthouse, ferry}
    for sha in (lighthouse, ferry):
        hits = app.search(question, k=5, mode=mode, scope=Scope.of(documents=[sha]))
        assert hits and {h.sha256 for h in hits} == {sha}


def test_the_every_word_check_looks_only_inside_the_scope(two_documents):
    """"1874 harbour board" is verbatim in the lighthouse PDF only: it grounds an answer there, and
    must not ground one from the ferry note's passages."""
    app, lighthouse, ferry = two_documents
    inside = replace(app.retrieval(scope=Scope.of(documents=[lighthouse])), min_similarity=1.5)
    assert inside.retrieve("1874 harbour board", 3).grounded
    outside = replace(app.retrieval(scope=Scope.of(documents=[ferry])), min_similarity=1.5)
    retrieved = outside.retrieve("1874 harbour board", 3)
    assert retrieved.hits and not retrieved.grounded
    assert {h.sha256 for h in retrieved.hits} == {ferry}


def test_min_similarity_grounds_a_close_question_and_not_a_far_one(settings, tmp_path):
    """Cosines 0.8 and 0.3 to the one passage, threshold 0.5 between them; neither question has all
    its words in the passage, so only the similarity decides."""
    app = DocChat(settings.replace(min_similarity=0.5), embeddings=Directions(LAMP_DIRECTIONS))
    assert app.ingest_paths([_write(tmp_path / "lamp.txt", LAMP)])[0].ok
    close, far = app.retrieve(CLOSE_QUESTION), app.retrieve(FAR_QUESTION)
    assert close.hits[0].similarity == pytest.approx(0.8, abs=1e-4) and close.grounded
    assert far.hits[0].similarity == pytest.approx(0.3, abs=1e-4) and not far.grounded


def test_an_empty_library_is_never_grounded(app: DocChat):
    retrieved = app.retrieve("lighthouse")
    assert retrieved.hits == [] and not retrieved.grounded


def test_unknown_modes_and_a_missing_reranker_are_clear_errors(filled: DocChat):
    with pytest.raises(ValueError, match="unknown retriever"):
        filled.retrieval("magic")
    with pytest.raises(ValueError, match="needs a reranker"):
        Retrieval(filled.store, filled.embeddings, mode="hybrid+rerank")


def test_hybrid_scores_each_candidate_by_its_best_sentence_or_else_its_own_vector(settings, tmp_path):
    """One chunk of two long sentences (so it has sentence vectors) whose chunk vector is at right
    angles to the question but whose second sentence points along it; one one-sentence chunk
    (no sentence vectors) at cosine 0.6."""
    app = DocChat(settings, embeddings=Directions(OIL_DIRECTIONS))
    results = app.ingest_paths([_write(tmp_path / "two.txt", f"{KEEPER} {OIL}"), _write(tmp_path / "one.txt", BOARD)])
    assert all(r.ok for r in results)
    chunks = {text: chunk_id for chunk_id, text, _heading in app.store.chunk_texts()}
    two, one = chunks[f"{KEEPER} {OIL}"], chunks[BOARD]
    assert len(chunks) == 2
    retrieval = replace(app.retrieval(), sentence_weight=0.6)
    seen = {}
    original = app.store.sentence_similarities

    def spy(vector, candidates):
        seen["ids"] = candidates
        return original(vector, candidates)

    app.store.sentence_similarities = spy
    assert retrieval.search("whale oil", 2)
    assert sorted(seen["ids"]) == sorted([two, one])
    vector = embed_query_vector(app.embeddings, "whale oil")
    best = retrieval._best_sentences(vector, seen["ids"], app.store.similarities(vector, seen["ids"]))
    assert best == {two: pytest.approx(1.0, abs=1e-4), one: pytest.approx(0.6, abs=1e-4)}


def test_a_korean_passage_closest_in_meaning_comes_first_for_an_english_question(settings, tmp_path):
    """Only the English passage holds the question's words, so the keyword leg found it alone and its 0.3
    put it first, though the Korean passage is closer in meaning (cosine 1.0 against 0.8). The Korean one
    is named out of the keyword leg's reach and ranked by meaning (core.retrieval.fusion.convex)."""
    question = "How long are the card's points valid?"
    texts = {"card-ko.txt": "빅포인트 유효기간은 적립일로부터 5년입니다.",
             "card-en.txt": "The card's points page lists the shops where points are valid.",
             "gulls.txt": "Gulls nest on cliffs above harbours."}
    rules = [(question, [0.8, 0.6, 0, 0]), ("빅포인트", [0.8, 0.6, 0, 0]), ("points page", E1)]
    app = DocChat(settings, embeddings=Directions(rules))
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert all(r.ok for r in app.ingest_paths([tmp_path / name for name in texts]))
    retrieval = app.retrieval("hybrid")
    legs = retrieval.legs(question, embed_query_vector(app.embeddings, question))
    assert {h.source for h in legs.keyword} == {"card-en.txt"}
    assert [h.source for h in legs.dense if h.chunk_id in legs.out_of_reach] == ["card-ko.txt"]
    assert [h.source for h in retrieval.search(question, 3)] == ["card-ko.txt", "card-en.txt", "gulls.txt"]
    blind = replace(legs, out_of_reach=frozenset())
    assert [h.source for h in blind.fuse(METHODS["convex"], 3)][:2] == ["card-en.txt", "card-ko.txt"]
