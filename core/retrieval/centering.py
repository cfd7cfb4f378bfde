"""Language centering of the meaning legs: what a multilingual embedder says about a language, taken out
before the question is compared with a passage.

A multilingual embedder puts every text near the mean of its own language. A Korean question is therefore
closer to any Korean passage, and to low-content "hub" passages (a Wikipedia page's list of languages, a
block of command-line flags), than to the English passage that answers it. On the mixed eval, Korean
questions about the attention paper had their answer at dense rank 24-28, behind such passages.

Centering moves both sides away from their language's mean: the score is ``(q - b·m_q)·(p - b·m_p)``,
where ``m_q`` and ``m_p`` are the mean passage vectors of the question's and the passage's script
(``keyword.trigram_script``: CJK or not), and ``b`` is the strength. Written as the store's inner product
with the shifted query ``q' = q - b·m_q``, plus an offset per passage script, ``-b·q'·m_p``, so FAISS and
pgvector search the shifted query as they are and the offset is added to the candidates they return.

Only where two scripts meet: the shifted query is searched too, and its legs are kept when the candidates of
either search include one in another script than the question's (``keyword.out_of_reach``). Among passages
of the question's own script alone there is no language bias to take out, and centering measured slightly
worse there (SQuAD hit@1 0.869 -> 0.860 over 1,000 questions); with the rule, SQuAD and KorQuAD keep every
rank. One more vector search per question: 0.15 ms per 1,000 vectors (decision 005).

The means are fixed per embedding model, computed once from reference passages (``bench.language_means``)
and shipped as JSON: a library's own mean is noise when it holds six Korean chunks. A model without a
means file is not centred. The cosine to the question (``Hit.similarity``: "is it in the library", the
claim check) is never centred, so those calibrations stand. Numbers: BENCHMARKS §31, decision 003.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from core.embeddings import canonical_name
from core.retrieval.keyword import trigram_script

MEANS_DIR = Path(__file__).resolve().parent / "language_means"
# Chosen on the mixed eval among 0.15-1.0: hit@1 0.761 -> 0.821 and MRR@10 0.794 -> 0.858 at 0.25; 0.35 found
# more at 5 (0.940 against 0.910) but fewer first (0.806). BENCHMARKS §31.
STRENGTH = 0.25


@dataclass(frozen=True)
class LanguageMeans:
    """The mean passage vector of CJK-script text and of the rest, for one embedding model."""

    cjk: np.ndarray
    other: np.ndarray

    def of(self, text: str) -> np.ndarray:
        """The mean of ``text``'s script; a text without letters (numbers, codes) counts as the rest."""
        return self.cjk if trigram_script(text) else self.other


def language_means(model: str) -> LanguageMeans | None:
    """The shipped means of ``model`` (a name or alias), or None when none are shipped for it."""
    return _shipped_means(canonical_name(model))


@cache
def _shipped_means(model: str) -> LanguageMeans | None:
    path = MEANS_DIR / f"{model}.json"
    if not path.is_file():
        return None
    means = json.loads(path.read_text(encoding="utf-8"))["means"]
    return LanguageMeans(np.asarray(means["cjk"], dtype="float32"), np.asarray(means["other"], dtype="float32"))


@dataclass(frozen=True)
class Centering:
    means: LanguageMeans
    strength: float = STRENGTH

    def query(self, question: str, vector: np.ndarray) -> np.ndarray:
        """The shifted query the store searches with (an inner product, so it need not be normalised)."""
        return (vector - self.strength * self.means.of(question)).astype("float32")

    def offset(self, query: np.ndarray, text: str) -> float:
        """What centring the passage adds to the shifted query's inner product with it."""
        return -self.strength * float(query @ self.means.of(text))


def centering_for(model: str, strength: float = STRENGTH) -> Centering | None:
    """The centering of ``model``'s vectors, or None when it ships no means or ``strength`` is 0."""
    means = language_means(model)
    return Centering(means, strength) if means is not None and strength > 0 else None
