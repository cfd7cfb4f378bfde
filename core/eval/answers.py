"""``eval answers``: the local LLM answers a fixed sample of SQuAD questions (or KorQuAD's, the same
format) from what retrieval finds; scored by exact match and F1 after SQuAD v1.1's own answer
normalisation, plus what a user judges: whether the gold answer is in the answer at all (a right answer
written as a sentence scores 0 in exact match) and whether it is written in the question's language;
and how often the app refused ("not found") and how often the right paragraph was among the passages.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from core.chat.citations import as_digits, strip_citations
from core.chat.language import detect_language, written_in
from core.chat.prompts import is_not_found
from core.eval.squad import Paragraph, Question

if TYPE_CHECKING:
    from core.service import DocChat

SAMPLE_SEED = 1


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 evaluation script: lower case, drop punctuation, articles and extra spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def f1(prediction: str, truth: str) -> float:
    predicted, expected = normalize_answer(prediction).split(), normalize_answer(truth).split()
    common = sum((Counter(predicted) & Counter(expected)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def best_scores(prediction: str, answers: tuple[str, ...]) -> tuple[float, float]:
    """Exact match and F1 against the closest of the reference answers, as SQuAD scores them."""
    exact = max(float(normalize_answer(prediction) == normalize_answer(a)) for a in answers)
    return exact, max(f1(prediction, a) for a in answers)


def contains_gold(prediction: str, answers: tuple[str, ...]) -> bool:
    """Whether any reference answer, normalised, appears inside the normalised answer: "The Broncos won
    in Santa Clara" holds "Santa Clara", as a reader would judge, where exact match gives 0. A number
    holds in digits or in words, as the claim check reads them: "10 Panthers" holds the reference "Ten"
    (there, as a whole word: "16" does not hold "6")."""
    text = f" {normalize_answer(prediction)} "
    if any(gold and gold in text for gold in (normalize_answer(a) for a in answers)):
        return True
    digits = f" {normalize_answer(as_digits(prediction))} "
    return any(gold and f" {gold} " in digits for gold in (normalize_answer(as_digits(a)) for a in answers))


def sample(questions: list[Question], n: int) -> list[Question]:
    """The same questions on every run and machine, so runs with other prompts or k compare."""
    return random.Random(SAMPLE_SEED).sample(questions, min(n, len(questions)))


@dataclass(frozen=True)
class AnswerReport:
    llm: str
    k: int
    questions: int
    exact_match: float
    f1: float
    contains_gold: float  # share of all questions whose answer holds a gold answer (refusals count as 0)
    in_language: float  # share of answers written in the question's language (refusals included)
    refused: float
    retrieved: float  # share of questions whose paragraph was among the passages given
    seconds: float
    by_language: dict[str, float] = field(default_factory=dict)  # question language -> share answered in it
    dataset: str = ""  # which set was asked (core.eval.squad.dataset_name)

    def to_json(self) -> dict:
        return {"llm": self.llm, "k": self.k, "questions": self.questions, "exact_match": round(self.exact_match, 4),
                "f1": round(self.f1, 4), "contains_gold": round(self.contains_gold, 4),
                "in_language": round(self.in_language, 4),
                "by_language": {lang: round(v, 4) for lang, v in self.by_language.items()},
                "refused": round(self.refused, 4), "retrieved": round(self.retrieved, 4),
                "seconds": round(self.seconds, 1),
                "seconds_per_question": round(self.seconds / (self.questions or 1), 2), "dataset": self.dataset}

    def line(self) -> str:
        langs = ", ".join(f"{lang} in {lang} {v:.1%}" for lang, v in self.by_language.items())
        return (f"{self.llm} (k={self.k}): {self.questions} questions, exact match {self.exact_match:.3f}, "
                f"F1 {self.f1:.3f}, gold answer contained {self.contains_gold:.1%}, "
                f"in the question's language {self.in_language:.1%} ({langs}), refused {self.refused:.1%}, "
                f"paragraph retrieved {self.retrieved:.1%}, {self.seconds:.0f} s "
                f"({self.seconds / (self.questions or 1):.1f} s a question)"
                + (f", data set {self.dataset}" if self.dataset else ""))


@dataclass(frozen=True)
class Scored:
    """One answer, scored."""

    language: str  # of the question: "ko", "en", or "?" when undetected
    exact: float
    f1: float
    contained: bool
    in_language: bool
    refused: bool
    retrieved: bool


def score(question: Question, text: str, found: bool, retrieved: bool) -> Scored:
    """A refusal scores 0 on the answer metrics but is still judged for its language."""
    language = detect_language(question.text)
    refused = not found or is_not_found(text)
    em, f = (0.0, 0.0) if refused else best_scores(text, question.answers)
    contained = not refused and contains_gold(text, question.answers)
    return Scored(language.code if language else "?", em, f, contained, written_in(text, language), refused,
                  retrieved)


def summarise(llm: str, k: int, scored: list[Scored], seconds: float, dataset: str = "") -> AnswerReport:
    n = len(scored) or 1
    groups: dict[str, list[bool]] = defaultdict(list)
    for s in scored:
        groups[s.language].append(s.in_language)
    return AnswerReport(llm, k, len(scored), sum(s.exact for s in scored) / n, sum(s.f1 for s in scored) / n,
                        sum(s.contained for s in scored) / n, sum(s.in_language for s in scored) / n,
                        sum(s.refused for s in scored) / n, sum(s.retrieved for s in scored) / n, seconds,
                        {lang: sum(v) / len(v) for lang, v in sorted(groups.items())}, dataset)


def run_answers(args: argparse.Namespace, app: DocChat, paragraphs: list[Paragraph], questions: list[Question],
                dataset: str = "") -> int:
    """Answer the sample; with ``--record FILE`` append every answer to FILE (JSON lines) and, with
    ``--removed``, ask each question again right after with its paragraph deleted from the eval library
    (restored before the next question), where the right reply is a refusal. ``--resume`` reads back the
    answers FILE already holds instead of asking them again: on this CPU a question costs 15-45 s a pass,
    so a 200-question run is finished over several sittings."""
    from tqdm import tqdm

    from core.eval.answer_records import ask_one, paragraphs_removed, read_records, write_record
    from core.eval.squad import build_library
    from core.llms.registry import LLMUnavailable, load_llm

    name = args.llm or app.settings.llm
    try:
        llm = load_llm(name, app.settings)
    except LLMUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    engine = app.engine(llm)
    chosen = sample(questions, args.questions or 200)
    record = getattr(args, "record", None)
    removed = getattr(args, "removed", False)
    kept = {(r.id, r.passage): r for r in read_records(record)} if getattr(args, "resume", False) and record and \
        record.exists() else {}
    scored: list[Scored] = []
    refused = 0
    seconds = 0.0
    for question in tqdm(chosen, desc="answering", unit="q", file=sys.stderr, disable=None):
        answer = kept.get((question.id, "present")) or ask_one(engine, question, paragraphs, "present")
        if record and answer is not kept.get((question.id, "present")):
            write_record(record, answer)
        seconds += answer.seconds
        text = strip_citations(answer.text).strip()
        scored.append(result := score(question, text, answer.found, answer.retrieved))
        if getattr(args, "verbose", False):
            print(json.dumps({"q": question.text, "a": text, "gold": question.answers[0], "f1": round(result.f1, 2),
                              "contained": result.contained, "in_language": result.in_language},
                             ensure_ascii=False), file=sys.stderr)
        if removed:
            gone = kept.get((question.id, "removed"))
            if gone is None:
                paragraph = paragraphs[question.paragraph]
                with paragraphs_removed(app, {paragraph.sha256}, partial(build_library, app, [paragraph])):
                    gone = ask_one(engine, question, paragraphs, "removed")
                if record:
                    write_record(record, gone)
            refused += not gone.found or is_not_found(gone.text)
    report = summarise(name, app.settings.k, scored, seconds, dataset)
    print(json.dumps(report.to_json(), ensure_ascii=False) if args.json else report.line())
    if removed:
        share = refused / (len(chosen) or 1)
        print(json.dumps({"removed_pass": {"questions": len(chosen), "refused": round(share, 4)}}) if args.json
              else f"paragraphs removed: refused {share:.1%} of {len(chosen)}")
    return 0
