"""The Korean keyword bench's pure functions (bench/korean_keywords.py), without Kiwi."""

from __future__ import annotations

import importlib.util
import sqlite3

import pytest

from bench.korean_keywords import (
    build_library,
    content_terms,
    kiwi_leg,
    merge_contexts,
    paragraph_order,
    rank,
    rrf,
    sample,
    scores,
)
from core.eval.squad import Paragraph, Question

KIWI = importlib.util.find_spec("kiwipiepy") is not None


def test_repeated_contexts_merge_and_their_questions_follow():
    paragraphs = [Paragraph("A", "하나"), Paragraph("B", "둘"), Paragraph("A", "하나"), Paragraph("C", "셋")]
    questions = [Question("q0", 0, ("x",), "0"), Question("q1", 1, ()), Question("q2", 2, ()), Question("q3", 3, ())]
    merged, moved = merge_contexts(paragraphs, questions)
    assert [p.text for p in merged] == ["하나", "둘", "셋"]
    assert [q.paragraph for q in moved] == [0, 1, 0, 2]
    assert moved[0] == questions[0]  # text, answers and id kept


def test_sample_is_fixed_by_the_seed_and_keeps_order():
    questions = [Question(f"q{i}", i, ()) for i in range(100)]
    first, again = sample(questions, 10, seed=3), sample(questions, 10, seed=3)
    assert first == again and len(first) == 10
    assert [q.paragraph for q in first] == sorted(q.paragraph for q in first)
    assert sample(questions, None) == questions and sample(questions, 500) == questions


def test_a_paragraph_counts_at_its_first_chunk():
    paragraph_of = {1: 7, 2: 7, 3: 4, 4: 9}.__getitem__
    order = paragraph_order([1, 2, 3, 4], paragraph_of)
    assert order == [7, 4, 9]
    assert rank(order, 4) == 2 and rank(order, 5) is None
    assert rank(list(range(20)), 12) is None  # past the top 10


def test_hit_at_k_and_mrr():
    result = scores([1, 2, 5, 6, None])
    assert result["hit@1"] == pytest.approx(0.2)
    assert result["hit@5"] == pytest.approx(0.6)
    assert result["mrr@10"] == pytest.approx((1 + 1 / 2 + 1 / 5 + 1 / 6) / 5, abs=1e-4)
    assert scores([]) == {"hit@1": 0.0, "hit@5": 0.0, "mrr@10": 0.0}


def test_reciprocal_rank_fusion_favours_items_both_lists_rank_high():
    assert rrf([[1, 2, 3], [2, 4]]) == [2, 1, 4, 3]  # 2: 1/62 + 1/61; 1: 1/61; 4: 1/62; 3: 1/63
    assert rrf([[5, 6], [6]])[0] == 6
    assert rrf([]) == []


def test_content_morphemes_keep_nouns_stems_foreign_words_and_numbers_not_particles():
    tokens = [("서울", "NNP"), ("에서", "JKB"), ("1,000", "SN"), ("명", "NNB"), ("의", "JKG"),
              ("학생", "NNG"), ("이", "JKS"), ("Python", "SL"), ("을", "JKO"), ("배우", "VV"),
              ("었", "EP"), ("다", "EF"), (".", "SF"), ("돕", "VV-I"), ("서울", "NNP"), ("-", "SL")]
    assert content_terms(tokens) == ["서울", "1,000", "명", "학생", "python", "배우", "돕"]


def test_the_app_leg_runs_without_kiwi():
    library = build_library([Paragraph("서울", "서울은 대한민국의 수도이다."),
                             Paragraph("부산", "부산은 항구 도시이다.")], None)
    assert isinstance(library.conn, sqlite3.Connection)
    from bench.korean_keywords import app_leg
    order = paragraph_order(app_leg(library, "대한민국의 수도는?", 10), library.paragraph_of)
    assert order[0] == 0
    assert kiwi_leg(library, 0, [], 10) == []  # no terms: no query


@pytest.mark.skipif(not KIWI, reason="kiwipiepy is not installed (pip install kiwipiepy): the Kiwi leg is not run")
def test_the_kiwi_leg_finds_a_paragraph_by_its_morphemes():
    from bench.korean_keywords import Analyser
    analyser = Analyser()
    library = build_library([Paragraph("서울", "서울은 대한민국의 수도이다."),
                             Paragraph("부산", "부산은 항구 도시이다.")], analyser)
    terms = analyser.terms("대한민국의 수도는 어디인가?")
    assert "수도" in terms and "는" not in terms
    assert paragraph_order(kiwi_leg(library, 0, terms, 10), library.paragraph_of)[0] == 0
