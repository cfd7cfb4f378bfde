"""Ranking metrics shared by the evals (core/eval/metrics.py)."""

import pytest

from core.eval.metrics import hit_at, rank_scores


def test_hit_at_counts_answers_within_the_first_k_and_rank_scores_uses_it():
    ranks = [1, 3, 5, 6, None]
    assert [hit_at(ranks, k) for k in (1, 3, 5)] == [0.2, 0.4, 0.6]
    assert hit_at([], 3) == 0.0
    assert rank_scores(ranks) == pytest.approx((0.2, 0.6, (1 + 1 / 3 + 1 / 5 + 1 / 6) / 5))
