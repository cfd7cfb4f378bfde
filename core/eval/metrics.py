"""Ranking metrics shared by the evals."""

from __future__ import annotations


def hit_at(ranks: list[int | None], k: int) -> float:
    """The share of questions whose answer ranks within the first ``k`` (None: not found)."""
    return sum(r is not None and r <= k for r in ranks) / (len(ranks) or 1)


def rank_scores(ranks: list[int | None]) -> tuple[float, float, float]:
    """hit@1, hit@5, MRR@10 from the 1-based rank of each question's answer (None: not found)."""
    mrr = sum(1 / r for r in ranks if r is not None and r <= 10) / (len(ranks) or 1)
    return hit_at(ranks, 1), hit_at(ranks, 5), mrr
