"""Fusing the dense and keyword result lists into one ranking.

Plain reciprocal rank fusion throws the scores away and measured worse than BM25 alone on
SQuAD (hit@1 0.733 vs 0.778; docs/decisions/003-retrieval.md); a convex combination of
min-max normalised scores keeps how sure each leg is, so it is the default.

A chunk whose vector has not landed yet (keyword-first ingest: rows and keyword index commit at
once, vectors follow in batches) can only be found by the keyword leg. Scoring its missing legs 0
capped it at the keyword weight (0.3) against 1.0 for any embedded chunk, so it was never first: on
KorQuAD with half the library pending, the questions about a pending paragraph fell to hit@1 0.000
(keyword search alone: 0.892). Both fusions now take its keyword rank as its rank on the legs it
cannot have (bench/pending_fusion.py).

The mirror case: a chunk in another script than the question (a Korean passage, an English question)
is out of the keyword leg's reach, bar a shared name or number, so in a library of both the question's
own script won that leg every time; English questions about a Korean document were found first 3 times
in 18. Both fusions now take its rank in meaning as its keyword rank (BENCHMARKS §29).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Protocol

from core.store.records import Hit

RRF_K = 60


class Fusion(Protocol):
    """How every fusion is called (``METHODS``), so the setting can name either."""

    def __call__(self, dense: list[Hit], keyword: list[Hit], keyword_weight: float, k: int,
                 sentences: dict[int, float] | None = None, sentence_weight: float = 0.0, *,
                 unembedded: Collection[int] = frozenset(),
                 out_of_reach: Collection[int] = frozenset()) -> list[Hit]: ...


def _normalised(hits: list[Hit]) -> dict[int, float]:
    return _normalised_scores({h.chunk_id: h.score for h in hits})


def _normalised_scores(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {i: (s - low) / span if span > 0 else 1.0 for i, s in scores.items()}


def convex(dense: list[Hit], keyword: list[Hit], keyword_weight: float, k: int,
           sentences: dict[int, float] | None = None, sentence_weight: float = 0.0, *,
           unembedded: Collection[int] = frozenset(), out_of_reach: Collection[int] = frozenset()) -> list[Hit]:
    """score = wk * keyword + ws * best sentence + (1 - wk - ws) * dense, each min-max
    normalised over the candidates it scores; a chunk missing from a list scores 0 there.
    ``sentences`` holds the best-sentence cosine of every candidate (decision 007).

    A chunk in ``unembedded`` has no vector yet, so its absence from the dense and sentence legs
    says nothing about it: on each it gets the score of the same rank as its keyword rank among
    the embedded candidates (the keyword leg's third hit is taken to be the third closest in
    meaning). With half of SQuAD pending (bench/pending_fusion.py, 1,000 questions), questions about
    a pending paragraph reach hit@5 0.903, above keyword search alone (0.895), and those about an
    embedded one keep the fully embedded library's 0.970. Giving it its keyword score alone measured
    the same at hit@1 but 0.865 at hit@5 (normalised BM25 falls off faster than the cosines); the
    median of the embedded candidates, 0.219 at hit@1 (keyword search: 0.732).

    A chunk in ``out_of_reach`` (another script than the question's) gets on the keyword leg the score of
    the same rank among the other candidates' keyword scores as its rank in meaning (dense and sentence
    legs as weighted here) among the chunks out of reach. On the mixed eval (67 questions) English
    questions about Korean documents went from hit@1 0.167 to 0.833, Korean ones about English documents
    from 0.538 to 0.615, and the same-language rows kept every rank (BENCHMARKS §29). Giving it its
    meaning legs alone, rescaled to the full weight, measured 0.722 and 0.615."""
    d, kw = _normalised(dense), _normalised(keyword)
    by_id = {h.chunk_id: h for h in keyword} | {h.chunk_id: h for h in dense}
    sent = _normalised_scores({i: s for i, s in (sentences or {}).items() if i in by_id})
    if not sent:
        sentence_weight = 0.0
    dense_weight = max(0.0, 1 - keyword_weight - sentence_weight)
    legs = {i: (d.get(i, 0.0), sent.get(i, 0.0)) for i in by_id if i not in unembedded}
    if len(legs) < len(by_id):
        legs |= _rank_matched(keyword, kw, [i for i in by_id if i in unembedded], legs)
    if out_of_reach:
        kw = kw | _meaning_matched(kw, legs, out_of_reach, dense_weight, sentence_weight)
    fused = {i: keyword_weight * kw.get(i, 0.0) + dense_weight * legs[i][0] + sentence_weight * legs[i][1]
             for i in by_id}
    return _ranked(by_id, fused, k)


def _meaning_matched(kw: dict[int, float], legs: dict[int, tuple[float, float]], out_of_reach: Collection[int],
                     dense_weight: float, sentence_weight: float) -> dict[int, float]:
    """The keyword score of each chunk out of the keyword leg's reach: that of the same rank among the
    reachable candidates as its rank in meaning among the unreachable ones. With no reachable candidate
    (the whole scope is in the other script) the keyword leg's own scores stand."""
    near = sorted((kw.get(i, 0.0) for i in legs if i not in out_of_reach), reverse=True)
    if not near:
        return {}
    far = sorted((i for i in legs if i in out_of_reach),
                 key=lambda i: -(dense_weight * legs[i][0] + sentence_weight * legs[i][1]))
    last = len(near) - 1
    return {i: near[min(rank, last)] for rank, i in enumerate(far)}


def _rank_matched(keyword: list[Hit], kw: dict[int, float], missing: list[int],
                  embedded: dict[int, tuple[float, float]]) -> dict[int, tuple[float, float]]:
    """The dense and sentence scores of each chunk without vector: those of the same rank among the
    embedded candidates as its rank in the keyword leg (the only leg that can find it). With no
    embedded candidate to compare with, its keyword score on both, which keeps the keyword order."""
    if not embedded:
        return {i: (kw.get(i, 0.0), kw.get(i, 0.0)) for i in missing}
    rank = {h.chunk_id: r for r, h in enumerate(keyword)}
    dense = sorted((scores[0] for scores in embedded.values()), reverse=True)
    sentence = sorted((scores[1] for scores in embedded.values()), reverse=True)
    last = len(embedded) - 1
    return {i: (dense[min(rank.get(i, last), last)], sentence[min(rank.get(i, last), last)]) for i in missing}


def rrf(dense: list[Hit], keyword: list[Hit], keyword_weight: float, k: int,
        sentences: dict[int, float] | None = None, sentence_weight: float = 0.0, *,
        unembedded: Collection[int] = frozenset(), out_of_reach: Collection[int] = frozenset()) -> list[Hit]:
    """Weighted reciprocal rank fusion (Cormack et al. 2009) of the two legs, for comparison in
    the eval; sentence scores are not used. A chunk in ``unembedded`` (no vector yet) counts its
    keyword rank as its dense rank too, as ``convex`` does, so its keyword rank counts at full weight;
    one ``out_of_reach`` (another script than the question's), its dense rank as its keyword rank."""
    by_id = {h.chunk_id: h for h in keyword} | {h.chunk_id: h for h in dense}
    fused = dict.fromkeys(by_id, 0.0)
    for rank, hit in enumerate(dense, 1):
        fused[hit.chunk_id] += (1.0 if hit.chunk_id in out_of_reach else 1 - keyword_weight) / (RRF_K + rank)
    for rank, hit in enumerate(keyword, 1):
        fused[hit.chunk_id] += (1.0 if hit.chunk_id in unembedded else keyword_weight) / (RRF_K + rank)
    return _ranked(by_id, fused, k)


def _ranked(by_id: dict[int, Hit], fused: dict[int, float], k: int) -> list[Hit]:
    order = sorted(fused, key=lambda i: -fused[i])[:k]
    return [replace(by_id[i], score=fused[i]) for i in order]


METHODS: dict[str, Fusion] = {"convex": convex, "rrf": rrf}
