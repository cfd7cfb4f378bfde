"""When should a Korean question be searched in English too? Rules compared on the same questions, each
translated once by the default model (``core.chat.translation``).

- The mixed eval's Korean questions (``tests/data/mixed_eval.json``), in its library: the passage that answers
  among the three the model reads, and how many questions each rule sends to the model.
- KorQuAD questions over a library that mixes their Korean paragraphs with English SQuAD ones (a scratch
  eval library, built once): a Korean question about Korean text, in a library where English passages are
  near. Each translation sent is a second of waiting and an "Also searched in English" line on the page.

    .venv/bin/python -m bench.translation_gate [--questions 100] [--english 300]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import median, table, write_result
from bench.script_fusion import CASES
from bench.translated_search import KORQUAD, SQUAD
from core.chat.language import ENGLISH, KOREAN, detect_language
from core.chat.translation import needs_translation, taken_in_turn
from core.eval.cli import eval_settings
from core.eval.metrics import hit_at
from core.eval.mixed import first_rank, load_cases
from core.eval.squad import build_library, load_squad, rank_of
from core.retrieval.retriever import Retrieved
from core.service import DocChat
from core.settings import load_settings
from core.store.records import Hit

K = 3  # the passages the model reads


def _english(retrieved: Retrieved, hits: int) -> bool:
    return any(detect_language(h.text) == ENGLISH for h in retrieved.hits[:hits])


def _korean_and_grounded(question: str, retrieved: Retrieved) -> bool:
    return retrieved.grounded and detect_language(question) == KOREAN


RULES: dict[str, Callable[[str, Retrieved], bool]] = {
    "never": lambda q, r: False,
    "the product's rule": needs_translation,
    "any English passage": lambda q, r: _korean_and_grounded(q, r) and _english(r, K),
    "the best passage English": lambda q, r: _korean_and_grounded(q, r) and _english(r, 1),
    "two of three English": lambda q, r: _korean_and_grounded(q, r)
    and sum(detect_language(h.text) == ENGLISH for h in r.hits[:K]) >= 2,
}


class Translations:
    """Each question translated at most once, and only when some rule asks."""

    def __init__(self, translate: Callable[[str], str | None]) -> None:
        self.translate = translate
        self.done: dict[str, str | None] = {}

    def __call__(self, question: str) -> str | None:
        if question not in self.done:
            self.done[question] = self.translate(question)
        return self.done[question]


Ranker = Callable[[list[Hit]], int | None]  # where a question's answering passage ranks among hits


def judged(app: DocChat, translations: Translations, questions: list[tuple[str, Ranker]]
           ) -> tuple[dict[str, list[int | None]], dict[str, int]]:
    """Per rule: the answering passage's rank among the K read, and how many questions it translated."""
    ranks: dict[str, list[int | None]] = {name: [] for name in RULES}
    sent = dict.fromkeys(RULES, 0)
    for question, rank in questions:
        asked = app.retrieve(question)
        searched: Retrieved | None = None  # the translation's own search, made once for every rule that asks
        for name, rule in RULES.items():
            taken = asked
            if rule(question, asked):
                sent[name] += 1
                translation = translations(question)
                if translation:
                    searched = searched or app.retrieve(translation)
                    taken = taken_in_turn(asked, searched)
            ranks[name].append(rank(taken.hits[:K]))
    return ranks, sent


def mixed_library(app: DocChat, translations: Translations) -> list[list[Any]]:
    cases = [c for c in load_cases(CASES) if c.language == "ko"]
    rows = []
    for pair in sorted({c.pair for c in cases}):
        chosen = [c for c in cases if c.pair == pair]
        ranks, sent = judged(app, translations, [(c.question, partial(first_rank, c)) for c in chosen])
        rows += [[f"mixed eval, {pair}", len(chosen), name, sent[name], hit_at(ranks[name], K)] for name in RULES]
    return rows


def _paragraph(sha256: str) -> Ranker:
    return lambda hits: rank_of(hits, sha256)


def korquad_among_english(settings: Any, translations: Translations, questions: int, english: int, seed: int
                          ) -> list[list[Any]]:
    korean, sample = load_squad(KORQUAD)
    sample = random.Random(seed).sample(sample, questions)
    squad, _ = load_squad(SQUAD)
    app = DocChat(eval_settings(settings, f"korquad{questions}-squad{english}-seed{seed}"))
    build_library(app, [korean[q.paragraph] for q in sample] + random.Random(seed).sample(squad, english))
    ranks, sent = judged(app, translations, [(q.text, _paragraph(korean[q.paragraph].sha256)) for q in sample])
    return [[f"KorQuAD among {english} SQuAD paragraphs", questions, name, sent[name], hit_at(ranks[name], K)]
            for name in RULES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.translation_gate", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100, help="KorQuAD questions")
    parser.add_argument("--english", type=int, default=300, help="SQuAD paragraphs beside them")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = load_settings()
    if not (eval_settings(settings, "mixed").data_dir / "library.sqlite").is_file():
        parser.error(f"no mixed eval library: build it with `python -m core eval mixed {CASES}`")
    app = DocChat(eval_settings(settings, "mixed"))
    translate = app.engine(app.llm()).translated
    seconds: list[float] = []

    def timed(question: str) -> str | None:
        started = time.perf_counter()
        try:
            return translate(question)
        finally:
            seconds.append(time.perf_counter() - started)

    translations = Translations(timed)
    header = ["questions", "n", "translate when", "translated", f"hit@{K}"]
    rows = mixed_library(app, translations)
    rows += korquad_among_english(settings, translations, args.questions, args.english, args.seed)
    print(table(header, rows))
    print(f"translation: median {median(seconds):.2f} s over {len(seconds)} questions")
    out = write_result("translation_gate", {
        "rows": [dict(zip(header, row, strict=True)) for row in rows],
        "translations": translations.done, "translation_seconds": median(seconds),
        "questions": args.questions, "english": args.english, "seed": args.seed})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
