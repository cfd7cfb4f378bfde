"""``eval answers``: the local LLM answers a fixed sample of SQuAD questions from what retrieval
finds; scored by exact match and F1 after SQuAD v1.1's own answer normalisation, plus how often
the app refused ("not found") and how often the right paragraph was among the passages.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
import time
from collections import Counter
from dataclasses import dataclass

from core.chat.citations import strip_citations
from core.chat.prompts import NOT_FOUND
from core.eval.squad import Paragraph, Question

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
    refused: float
    retrieved: float  # share of questions whose paragraph was among the passages given
    seconds: float

    def to_json(self) -> dict:
        return {"llm": self.llm, "k": self.k, "questions": self.questions, "exact_match": round(self.exact_match, 4),
                "f1": round(self.f1, 4), "refused": round(self.refused, 4), "retrieved": round(self.retrieved, 4),
                "seconds": round(self.seconds, 1)}


def run_answers(args: argparse.Namespace, app, paragraphs: list[Paragraph], questions: list[Question]) -> int:
    from tqdm import tqdm

    from core.llms.registry import LLMUnavailable, load_llm

    name = args.llm or app.settings.llm
    try:
        llm = load_llm(name, app.settings)
    except LLMUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    engine = app.engine(llm)
    chosen = sample(questions, args.questions or 200)
    started = time.perf_counter()
    exact = f1_total = refused = retrieved = 0.0
    for question in tqdm(chosen, desc="answering", unit="q", file=sys.stderr, disable=None):
        answer = engine.answer(question.text)
        text = strip_citations("".join(answer.tokens)).strip()
        retrieved += any(h.sha256 == paragraphs[question.paragraph].sha256 for h in answer.sources)
        if not answer.found or NOT_FOUND.rstrip(".") in text:
            refused += 1
            continue
        em, f = best_scores(text, question.answers)
        exact, f1_total = exact + em, f1_total + f
        if getattr(args, "verbose", False):
            print(json.dumps({"q": question.text, "a": text, "gold": question.answers[0], "f1": round(f, 2)},
                             ensure_ascii=False), file=sys.stderr)
    n = len(chosen) or 1
    report = AnswerReport(name, app.settings.k, len(chosen), exact / n, f1_total / n, refused / n, retrieved / n,
                          time.perf_counter() - started)
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(f"{report.llm} (k={report.k}): {report.questions} questions, exact match {report.exact_match:.3f}, "
              f"F1 {report.f1:.3f}, refused {report.refused:.1%}, paragraph retrieved {report.retrieved:.1%}, "
              f"{report.seconds:.0f} s")
    return 0
