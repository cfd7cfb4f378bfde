"""Retrieval as the settings choose it: vector, keyword, hybrid (fused) or hybrid+rerank.

Every hit also gets its cosine similarity to the question, whoever found it, because the
"is the answer in the library at all" decision needs a score on one fixed scale (fused and
BM25 scores are relative to the query).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import numpy as np
from langchain_core.embeddings import Embeddings

from core.embeddings import embed_matrix, embed_query_vector
from core.retrieval.centering import Centering
from core.retrieval.fusion import METHODS, Fusion
from core.retrieval.keyword import build_query, only_codes, out_of_reach
from core.store.base import Store
from core.store.records import Hit, embedding_text
from core.store.scope import Scope

if TYPE_CHECKING:
    from core.retrieval.rerank import CrossEncoderReranker

MODES = ("vector", "keyword", "hybrid", "hybrid+rerank")
# A question of numbers and codes only is ranked by its keyword hits; the vectors break ties.
CODES_KEYWORD_WEIGHT = 0.9
T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True)
class Retrieved:
    hits: list[Hit]
    grounded: bool  # the best hit is close enough to the question to answer from


@dataclass(frozen=True)
class Legs:
    """What hybrid fusion ranks one question from. A record of its own so a bench can compute it
    once per question and fuse it several ways (bench/pending_fusion.py)."""

    dense: list[Hit]
    keyword: list[Hit]
    similarity: dict[int, float]  # each candidate's cosine to the question; those without a vector are absent
    sentences: dict[int, float] | None  # best sentence cosine (decision 007); None: weight 0
    keyword_weight: float
    sentence_weight: float
    unembedded: frozenset[int]  # candidates whose vector has not landed yet (keyword-first ingest)
    out_of_reach: frozenset[int] = frozenset()  # candidates in another script than the question's

    def fuse(self, method: Fusion, k: int) -> list[Hit]:
        return method(self.dense, self.keyword, self.keyword_weight, k, self.sentences, self.sentence_weight,
                      unembedded=self.unembedded, out_of_reach=self.out_of_reach)


def _centred(centring: Centering, query: np.ndarray, hits: list[Hit]) -> list[Hit]:
    """Dense hits of the shifted query with each passage's script offset added, best first again."""
    scored = [replace(h, score=h.score + centring.offset(query, h.text)) for h in hits]
    return sorted(scored, key=lambda h: -h.score)


@dataclass
class Retrieval:
    store: Store
    embeddings: Embeddings | None  # None: keyword mode only
    mode: str = "hybrid"
    keyword_weight: float = 0.3
    sentence_weight: float = 0.6  # share of each chunk's best sentence in the convex fusion (decision 007)
    candidates: int = 30
    fusion: str = "convex"
    min_similarity: float = 0.0
    reranker: CrossEncoderReranker | None = None
    # Language centering of the dense and sentence legs (core.retrieval.centering); None: raw cosines.
    centering: Centering | None = None
    scope: Scope | None = None  # search only these collections / documents (core.store.scope); None: all
    # Told (stage, seconds) for each step of a search: embed, vector, keyword, fusion, rerank,
    # similarities. The latency bench (core/benchmarks) breaks the product's own path down with it.
    on_stage: Callable[[str, float], None] | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown retriever {self.mode!r}; choose one of {', '.join(MODES)}")
        if self.mode == "hybrid+rerank" and self.reranker is None:
            raise ValueError("hybrid+rerank needs a reranker: set `reranker` to a local cross-encoder directory")

    def search(self, question: str, k: int) -> list[Hit]:
        if not question.strip():
            return []
        if self.mode == "keyword":
            query = build_query(question)
            return self.store.keyword_search(query, k, self.scope) if query else []
        assert self.embeddings is not None, f"{self.mode} retrieval needs an embedder; only keyword goes without"
        vector = self._timed("embed", embed_query_vector, self.embeddings, question)
        if self.mode == "vector":
            hits = self._timed("vector", self.store.search, vector, k, self.scope)
            return [replace(h, similarity=h.score) for h in hits]
        legs = self.legs(question, vector)
        reranking = self.mode == "hybrid+rerank"
        fused = self._timed("fusion", legs.fuse, METHODS[self.fusion], self.candidates if reranking else k)
        if reranking and self.reranker is not None:
            fused = self._timed("rerank", self.reranker.rerank, question, fused, k)
        similarity = legs.similarity | self._fresh_similarities(
            vector, [h for h in fused if h.chunk_id in legs.unembedded])
        return [replace(h, similarity=similarity.get(h.chunk_id)) for h in fused]

    def _fresh_similarities(self, vector: np.ndarray, hits: list[Hit]) -> dict[int, float]:
        """The cosine of hits whose vector has not landed yet (keyword-first ingest), embedded now: only the
        k the question gets, so "is the answer in the library" (``retrieve``) and the claim check judge
        them on the same scale as the rest, instead of refusing a document that is still being indexed."""
        if not hits or self.embeddings is None:
            return {}
        vectors = embed_matrix(self.embeddings, [embedding_text(h.text, h.heading) for h in hits])
        return {h.chunk_id: float(v @ vector) for h, v in zip(hits, vectors, strict=True)}

    def legs(self, question: str, vector: np.ndarray) -> Legs:
        """Everything hybrid fusion ranks from, for the question and its embedding. A candidate the
        store holds no vector for (keyword-first ingest: its vector comes later) is absent from the
        dense leg and from ``similarities``; it is named in ``unembedded`` so the fusion does not
        read that absence as "far from the question"; one in another script than the question's, in
        ``out_of_reach``, so it does not read its absence from the keyword leg that way either."""
        query = build_query(question)
        dense = self._timed("vector", self.store.search, vector, self.candidates, self.scope)
        keyword = (self._timed("keyword", self.store.keyword_search, query, self.candidates,
                               self.scope) if query else [])
        found = {h.chunk_id: h for h in dense + keyword}
        searched, centring = vector, None
        if self.centering is None:
            far = out_of_reach(question, list(found.values()))
        else:  # where two scripts meet, take out what each language adds to the cosine
            shifted = self.centering.query(question, vector)
            centred = _centred(self.centering, shifted, self._timed("vector", self.store.search, shifted,
                                                                    self.candidates, self.scope))
            far = out_of_reach(question, list(({h.chunk_id: h for h in centred} | found).values()))
            if far:
                searched, centring, dense = shifted, self.centering, centred
                found = {h.chunk_id: h for h in dense + keyword}
            far = frozenset(i for i in far if i in found)  # a chunk's script is its own: the union's, narrowed
        candidates = list(found)
        similarity = self._timed("similarities", self.store.similarities, vector, candidates)
        keyword_weight, sentence_weight = ((CODES_KEYWORD_WEIGHT, 0.0) if only_codes(question)
                                           else (self.keyword_weight, self.sentence_weight))
        sentences = (self._timed("sentences", self._sentence_leg, searched, found, similarity, centring)
                     if sentence_weight > 0 else None)
        unembedded = frozenset(i for i in candidates if i not in similarity)
        return Legs(dense, keyword, similarity, sentences, keyword_weight, sentence_weight, unembedded, far)

    def _sentence_leg(self, query: np.ndarray, found: dict[int, Hit], similarity: dict[int, float],
                      centring: Centering | None) -> dict[int, float]:
        """The sentence leg, centred like the dense leg when it was (``query`` is then the shifted one, and a
        chunk without sentence vectors counts its centred vector)."""
        ids = list(found)
        if centring is None:
            return self._best_sentences(query, ids, similarity)
        best = self._best_sentences(query, ids, self.store.similarities(query, ids))
        return {i: score + centring.offset(query, found[i].text) for i, score in best.items()}

    def _best_sentences(self, vector: np.ndarray, ids: list[int], similarity: dict[int, float]) -> dict[int, float]:
        """Each candidate's best sentence cosine; a chunk stored without sentence vectors (a
        one-piece chunk, an older library, PostgreSQL) counts its own vector as its sentence."""
        return similarity | self.store.sentence_similarities(vector, ids)

    def _timed(self, stage: str, step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self.on_stage is None:
            return step(*args, **kwargs)
        started = time.perf_counter()
        try:
            return step(*args, **kwargs)
        finally:
            self.on_stage(stage, time.perf_counter() - started)

    def retrieve(self, question: str, k: int) -> Retrieved:
        """Hits plus whether to answer from them: close enough in meaning, or every word of the
        question found in one passage of the scope (a number or a code means little to an
        embedding; a passage outside the scope would ground an answer from passages that miss it)."""
        hits = self.search(question, k)
        if not hits:
            return Retrieved([], False)
        best = max((h.similarity for h in hits if h.similarity is not None), default=None)
        if best is not None and best >= self.min_similarity:
            return Retrieved(hits, True)
        exact = build_query(question, every_word=True)
        return Retrieved(hits, bool(exact and self.store.keyword_search(exact, 1, self.scope)))
