"""Scoring recorded answers the way a user judges them, with the claim check applied: the gold answer
in the answer when its paragraph was retrieved, the right passage cited (by the model's [n] or by the
claim check), the asker's language, refusals with the paragraph present and removed, and how well the
claim check tells supported from unsupported sentences.

Records come from ``eval answers --record`` (core/eval/answer_records.py); re-scoring them costs only
the embedder, so the threshold can be swept without asking the model again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.chat.citations import cited, strip_citations
from core.chat.claims import QUESTION_COVERAGE, ClaimCheck, check_claims
from core.chat.language import detect_language, written_in
from core.chat.prompts import without_refusal
from core.eval.answer_records import AnswerRecord
from core.eval.answers import contains_gold


@dataclass(frozen=True)
class Judged:
    record: AnswerRecord
    check: ClaimCheck
    model_refused: bool  # retrieval found nothing close enough, or the model said "not found"

    @property
    def refused(self) -> bool:
        """What the user sees: a refusal, whether retrieval, the model or the claim check decided it."""
        return self.model_refused or not self.check.answers

    @property
    def contained(self) -> bool:
        return not self.refused and contains_gold(strip_citations(self.record.text), self.record.answers)

    @property
    def model_contained(self) -> bool:
        """The gold answer in the model's text, whatever the claim check said."""
        return not self.model_refused and contains_gold(strip_citations(self.record.text), self.record.answers)

    def cites_gold(self) -> bool:
        numbers = set(cited(self.record.text, len(self.record.sources))) | set(self.check.cited())
        return any(self.record.sources[n - 1].sha256 == self.record.gold_sha256 for n in numbers)


def judge(records: Sequence[AnswerRecord], encode: Callable[[list[str]], np.ndarray],
          similarity: float, coverage: float = QUESTION_COVERAGE) -> list[Judged]:
    out = []
    for r in records:
        said = without_refusal(r.text)  # as ``ChatEngine.check`` reads the answer
        model_refused = not r.found or not said
        check = ClaimCheck(()) if model_refused else check_claims(said, [s.text for s in r.sources], encode,
                                                                  similarity, question=r.question,
                                                                  coverage=coverage,
                                                                  documents=[s.source for s in r.sources])
        out.append(Judged(r, check, model_refused))
    return out


def _share(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def grounding_scores(judged: Sequence[Judged]) -> dict:
    """The issue's measures on one set of judged answers (both passes mixed; each measure picks its own)."""
    present = [j for j in judged if j.record.passage == "present"]
    removed = [j for j in judged if j.record.passage == "removed"]
    retrieved = [j for j in present if j.record.retrieved]
    contained = [j for j in present if j.contained]
    supported = [(j, c) for j in present if not j.model_refused for c in j.check.claims if c.checked and c.supported]
    unsupported_pool = [c for j in removed if not j.model_refused for c in j.check.claims if c.checked]
    return {
        "present": len(present), "removed": len(removed),
        "gold_contained_when_retrieved": _share([j.contained for j in retrieved]),
        "right_passage_cited": _share([j.cites_gold() for j in contained]),
        "in_language": _share([written_in(j.record.text, detect_language(j.record.question)) for j in present]),
        "refused_present": _share([j.refused for j in present]),
        "right_answers_lost": _share([j.refused for j in present if j.model_contained]),
        "refused_removed": _share([j.refused for j in removed]),
        "model_refused_removed": _share([j.model_refused for j in removed]),
        "claim_precision": _share([contains_gold(strip_citations(c.text), j.record.answers) for j, c in supported]),
        "unsupported_recall_removed": _share([not c.supported for c in unsupported_pool]),
        "check_ms_median": (round(1000 * float(np.median([j.check.seconds for j in judged if j.check.claims])), 1)
                            if any(j.check.claims for j in judged) else None),
    }


def halves(records: Sequence[AnswerRecord]) -> tuple[list[AnswerRecord], list[AnswerRecord]]:
    """Tune on the questions in even places of the fixed sample, report on the odd ones; both passes of
    a question stay in the same half."""
    order = list(dict.fromkeys(r.id or r.question for r in records))
    tune = {q for i, q in enumerate(order) if i % 2 == 0}
    return ([r for r in records if (r.id or r.question) in tune],
            [r for r in records if (r.id or r.question) not in tune])
