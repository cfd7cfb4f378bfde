"""A small mixed-language retrieval eval over the shared corpus: Korean, German and English questions,
each with the file (and PDF page) that answers it, so a change to retrieval comes with a number.

Questions in one language about a document in another (Korean about English, English about Korean) are
there on purpose: they are what an English-only embedder misses, and what a multilingual one or keyword
search has to win back, so each (question language → document language) pair is scored as its own row.
The search under test is any ``search(question, k) -> list[Hit]``, so the same cases score dense, keyword,
hybrid or reranked retrieval.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.eval.metrics import rank_scores
from core.store.records import Hit

LANGUAGES = ("en", "ko", "de")


@dataclass(frozen=True)
class MixedCase:
    question: str
    language: str
    file: str
    page: int | None  # 1-based PDF page; None where the file has no pages (any chunk of the file counts)
    note: str = ""
    document_language: str = ""  # of the file that answers; empty means the question's language

    def __post_init__(self) -> None:
        if not self.document_language:
            object.__setattr__(self, "document_language", self.language)

    @property
    def pair(self) -> str:
        """The row the case is reported in, e.g. "ko→en" for a Korean question about an English document."""
        return f"{self.language}→{self.document_language}"

    def is_answered_by(self, hit: Hit) -> bool:
        return hit.source == self.file and (self.page is None or hit.page == self.page)


def load_cases(path: Path) -> list[MixedCase]:
    """Read the gold cases; a typo in a language code would silently drop a case from its group, so it fails."""
    cases = [MixedCase(question=item["question"], language=item["language"], file=item["file"],
                       page=item.get("page"), note=item.get("note", ""),
                       document_language=item.get("document_language", ""))
             for item in json.loads(path.read_text(encoding="utf-8"))]
    unknown = sorted({code for c in cases for code in (c.language, c.document_language)} - set(LANGUAGES))
    if unknown:
        raise ValueError(f"unknown language codes in {path}: {', '.join(unknown)}")
    return cases


def corpus_files(cases: list[MixedCase]) -> list[str]:
    """The distinct files the cases need, in first-mentioned order, so a run ingests only those."""
    return list(dict.fromkeys(case.file for case in cases))


@dataclass(frozen=True)
class PairScores:
    """One (question language → document language) row."""

    questions: int
    hit_at_1: float
    hit_at_5: float
    mrr_at_10: float

    def to_json(self) -> dict:
        return {"questions": self.questions, "hit@1": round(self.hit_at_1, 4), "hit@5": round(self.hit_at_5, 4),
                "mrr@10": round(self.mrr_at_10, 4)}


@dataclass(frozen=True)
class MixedReport:
    questions: int
    hit_at_1: float
    hit_at_5: float
    mrr_at_10: float
    by_language: dict[str, float]  # hit@5 per question language present in the cases
    missed_at_5: list[MixedCase]
    # per pair present, same-language rows first ("en→en"), then cross-language ones ("ko→en")
    by_pair: dict[str, PairScores] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"questions": self.questions, "hit@1": round(self.hit_at_1, 4), "hit@5": round(self.hit_at_5, 4),
                "mrr@10": round(self.mrr_at_10, 4),
                "by_language": {lang: round(value, 4) for lang, value in self.by_language.items()},
                "by_pair": {pair: scores.to_json() for pair, scores in self.by_pair.items()}}


def first_rank(case: MixedCase, hits: list[Hit]) -> int | None:
    """1-based rank of the first hit that answers the case, or None when none does."""
    return next((rank for rank, hit in enumerate(hits, start=1) if case.is_answered_by(hit)), None)


def run_mixed(cases: list[MixedCase], search: Callable[[str, int], list[Hit]], k: int = 10) -> MixedReport:
    """Ask every question once and score the ranking; hits past ``k`` are ignored even if returned."""
    if not cases:
        raise ValueError("no cases to evaluate")
    if k < 5:
        raise ValueError("k must be at least 5, or hit@5 would be measured on fewer hits")
    ranks = [first_rank(case, search(case.question, k)[:k]) for case in cases]
    found_at_5 = [rank is not None and rank <= 5 for rank in ranks]
    by_language: dict[str, list[bool]] = {}
    by_pair: dict[str, list[int | None]] = {}
    for case, rank, found in zip(cases, ranks, found_at_5, strict=True):
        by_language.setdefault(case.language, []).append(found)
        by_pair.setdefault(case.pair, []).append(rank)
    cross = {case.pair: case.language != case.document_language for case in cases}
    hit_at_1, hit_at_5, mrr_at_10 = rank_scores(ranks)
    return MixedReport(
        questions=len(cases),
        hit_at_1=hit_at_1,
        hit_at_5=hit_at_5,
        mrr_at_10=mrr_at_10,
        by_language={lang: sum(found) / len(found) for lang, found in by_language.items()},
        missed_at_5=[case for case, found in zip(cases, found_at_5, strict=True) if not found],
        by_pair={pair: PairScores(len(by_pair[pair]), *rank_scores(by_pair[pair]))
                 for pair in sorted(by_pair, key=lambda pair: (cross[pair], pair))},
    )
