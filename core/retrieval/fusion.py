"""Fusing the dense and keyword result lists into one ranking.

Plain reciprocal rank fusion throws the scores away and measured worse than BM25 alone on
SQuAD (hit@1 0.733 vs 0.778; docs/decisions/003-retrieval.md); a convex combination of
min-max normalised scores keeps how sure each leg is, so it is the default.
"""

from __future__ import annotations

from dataclasses import replace

from core.store.records import Hit

RRF_K = 60


def _normalised(hits: list[Hit]) -> dict[int, float]:
    return _normalised_scores({h.chunk_id: h.score for h in hits})


def _normalised_scores(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {i: (s - low) / span if span > 0 else 1.0 for i, s in scores.items()}


def convex(dense: list[Hit], keyword: list[Hit], keyword_weight: float, k: int,
           sentences: dict[int, float] | None = None, sentence_weight: float = 0.0) -> list[Hit]:
    """score = wk * keyword + ws * best sentence + (1 - wk - ws) * dense, each min-max
    normalised over the candidates it scores; a chunk missing from a list scores 0 there.
    ``sentences`` holds the best-sentence cosine of every candidate (decision 007)."""
    d, kw = _normalised(dense), _normalised(keyword)
    by_id = {h.chunk_id: h for h in keyword} | {h.chunk_id: h for h in dense}
    sent = _normalised_scores({i: s for i, s in (sentences or {}).items() if i in by_id})
    if not sent:
        sentence_weight = 0.0
    dense_weight = max(0.0, 1 - keyword_weight - sentence_weight)
    fused = {i: keyword_weight * kw.get(i, 0.0) + dense_weight * d.get(i, 0.0) + sentence_weight * sent.get(i, 0.0)
             for i in by_id}
    return _ranked(by_id, fused, k)


def rrf(dense: list[Hit], keyword: list[Hit], keyword_weight: float, k: int,
        sentences: dict[int, float] | None = None, sentence_weight: float = 0.0) -> list[Hit]:
    """Weighted reciprocal rank fusion (Cormack et al. 2009) of the two legs, for comparison in
    the eval; sentence scores are not used."""
    by_id = {h.chunk_id: h for h in keyword} | {h.chunk_id: h for h in dense}
    fused = dict.fromkeys(by_id, 0.0)
    for weight, hits in ((1 - keyword_weight, dense), (keyword_weight, keyword)):
        for rank, hit in enumerate(hits, 1):
            fused[hit.chunk_id] += weight / (RRF_K + rank)
    return _ranked(by_id, fused, k)


def _ranked(by_id: dict[int, Hit], fused: dict[int, float], k: int) -> list[Hit]:
    order = sorted(fused, key=lambda i: -fused[i])[:k]
    return [replace(by_id[i], score=fused[i]) for i in order]


METHODS = {"convex": convex, "rrf": rrf}
