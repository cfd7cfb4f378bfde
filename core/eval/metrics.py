"""Ranking metrics shared by the evals."""

from __future__ import annotations


def rank_scores(ranks: list[int | None]) -> tuple[float, float, float]:
    """hit@1, hit@5, MRR@10 from the 1-based rank of each question's answer (None: not found)."""
    n = len(ranks) or 1
    hit1 = sum(r == 1 for r in ranks) / n
    hit5 = sum(r is not None and r <= 5 for r in ranks) / n
    mrr = sum(1 / r for r in ranks if r is not None and r <= 10) / n
    return hit1, hit5, mrr
