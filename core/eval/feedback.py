"""``python -m core eval feedback``: the answers readers marked on the Chat page become retrieval
test cases on their own library. A thumbs-up answer says its (first cited) passage's document is
the right one for that question; the eval asks each question again and reports where that document
now ranks, so a change that loses what users confirmed shows up as a number. Thumbs-down answers
are listed with their comments, to look at.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from core.eval.metrics import rank_scores

if TYPE_CHECKING:
    from core.service import DocChat


@dataclass(frozen=True)
class FeedbackCase:
    question: str  # as searched: a follow-up's rewritten question when there was one
    sha256: str  # the document the confirmed answer came from
    source: str
    page: int | None
    conversation: str
    turn: int


@dataclass(frozen=True)
class Disliked:
    question: str
    comment: str
    conversation: str
    turn: int


def feedback_cases(app: DocChat) -> tuple[list[FeedbackCase], list[Disliked]]:
    cases: list[FeedbackCase] = []
    disliked: list[Disliked] = []
    for record in app.conversations():
        conversation = app.conversation(record.id)
        for turn in conversation.turns if conversation else []:
            judged = turn.answer.get("feedback") or {}
            question = str(turn.answer.get("searched") or turn.question)
            if judged.get("score") == 1 and (source := _confirmed(turn.answer)):
                cases.append(FeedbackCase(question, source["sha256"], str(source.get("source", "")),
                                          source.get("page"), record.id, turn.position))
            elif judged.get("score") == 0:
                disliked.append(Disliked(question, str(judged.get("comment", "")), record.id, turn.position))
    return cases, disliked


def _confirmed(answer: dict[str, Any]) -> dict[str, Any] | None:
    """The first passage the answer cites (the claim check's), else, when it cites none, the first
    found; None when that document is gone or the answer had no passage."""
    sources = answer.get("sources") or []
    cited = (answer.get("check") or {}).get("cited") or [s.get("n") for s in sources[:1]]
    chosen = next((s for s in sources if s.get("n") == cited[0]), None) if cited else None
    return chosen if chosen and chosen.get("sha256") and not chosen.get("deleted") else None


def run_feedback(app: DocChat, cases: list[FeedbackCase]) -> dict[str, Any]:
    """Each case's question asked again: where its confirmed document ranks now."""
    from core.eval.squad import rank_of

    ranks = [rank_of(app.search(case.question, 10), case.sha256) for case in cases]
    hit1, hit5, mrr = rank_scores(ranks)
    return {"cases": len(cases), "hit@1": round(hit1, 4), "hit@5": round(hit5, 4), "mrr@10": round(mrr, 4),
            "lost": [asdict(case) | {"rank": rank} for case, rank in zip(cases, ranks, strict=True)
                     if rank is None or rank > 5]}
