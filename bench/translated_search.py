"""Korean questions searched in English too (``core.chat.translation``), through the product's own retrieval
and the default model's translation, against the question searched as asked.

- The mixed eval's Korean questions (``tests/data/mixed_eval.json``): where the passage that answers ranks,
  searched as asked and with the translation's passages taken in turn; the model reads the first three.
- KorQuAD questions over the SQuAD library (nothing there answers them): how many are refused as asked, and
  how many would be if the translation's own search decided (why the product does not let it).
- KorQuAD questions over their own library: how often the model is asked to translate (a cost paid only when
  an English passage is among those found), and hit@3 as asked and with the translation.

    .venv/bin/python -m bench.translated_search [--questions 100]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, median, table, write_result
from bench.script_fusion import CASES
from core.chat.translation import needs_translation, taken_in_turn
from core.eval.cli import eval_settings, library_kind
from core.eval.metrics import hit_at, rank_scores
from core.eval.mixed import first_rank, load_cases
from core.eval.squad import load_squad, rank_of
from core.retrieval.retriever import Retrieved
from core.service import DocChat
from core.settings import load_settings

KORQUAD = CORPUS / "korquad" / "KorQuAD_v1.0_dev.json"
SQUAD = CORPUS / "squad" / "dev-v1.1.json"
DEPTH = 10  # hits ranked per search, for hit@5


def both(app: DocChat, translate: Callable[[str], str | None], question: str, k: int
         ) -> tuple[Retrieved, Retrieved, str | None, float]:
    """The question's retrieval as asked and as the product takes it (with its translation when one is
    needed), the translation, and the seconds the model took for it (0 when not asked)."""
    asked = app.retrieve(question, k)
    decided = asked if k == app.settings.k else app.retrieve(question)  # the product decides on its k passages
    if not needs_translation(question, decided):
        return asked, asked, None, 0.0
    started = time.perf_counter()
    translation = translate(question)
    seconds = time.perf_counter() - started
    return asked, (taken_in_turn(asked, app.retrieve(translation, k)) if translation else asked), translation, seconds


def ranks_at(ranks: list[int | None]) -> list[float]:
    hit_at_1, hit_at_5, mrr = rank_scores(ranks)
    return [hit_at_1, hit_at(ranks, 3), hit_at_5, mrr]


def mixed(settings: Any, translate: Callable[[str], str | None]) -> tuple[list[list[Any]], list[dict], list[float]]:
    app = DocChat(eval_settings(settings, "mixed"))
    rows, cases, seconds = [], [c for c in load_cases(CASES) if c.language == "ko"], []
    by_pair: dict[str, tuple[list[int | None], list[int | None]]] = {}
    for case in cases:
        asked, taken, translation, spent = both(app, translate, case.question, DEPTH)
        before, after = first_rank(case, asked.hits), first_rank(case, taken.hits)
        by_pair.setdefault(case.pair, ([], []))[0].append(before)
        by_pair[case.pair][1].append(after)
        rows.append({"question": case.question, "pair": case.pair, "translation": translation, "asked": before,
                     "taken in turn": after, "seconds": round(spent, 2)})
        if translation is not None:
            seconds.append(spent)
    table_rows = [[pair, len(ranks[0]), way, *ranks_at(ranks[n])]
                  for pair, ranks in by_pair.items() for n, way in enumerate(("as asked", "with translation"))]
    return table_rows, rows, seconds


def unanswerable(settings: Any, translate: Callable[[str], str | None], questions: int, seed: int
                 ) -> tuple[list[Any], list[float]]:
    """KorQuAD questions over the SQuAD library: refused as asked (the product's verdict), and refused if the
    translation's own search decided (every question translated, whatever the product would do)."""
    _, sample = load_squad(KORQUAD)
    sample = random.Random(seed).sample(sample, questions)
    app = DocChat(eval_settings(settings, library_kind(SQUAD)))
    refused_asked = refused_translated = 0
    seconds = []
    for question in sample:
        refused_asked += not app.retrieve(question.text).grounded
        started = time.perf_counter()
        translation = translate(question.text)
        seconds.append(time.perf_counter() - started)
        refused_translated += not (translation and app.retrieve(translation).grounded)
    return ["KorQuAD over the SQuAD library (unanswerable)", questions, questions,
            refused_asked / questions, refused_translated / questions, "–", "–"], seconds


def own_library(settings: Any, translate: Callable[[str], str | None], questions: int, seed: int) -> list[Any]:
    """KorQuAD questions over their own library: how often the model is asked, and hit@3 either way."""
    paragraphs, sample = load_squad(KORQUAD)
    sample = random.Random(seed).sample(sample, questions)
    app = DocChat(eval_settings(settings, library_kind(KORQUAD)))
    before, after, asked_model = [], [], 0
    for question in sample:
        asked, taken, translation, spent = both(app, translate, question.text, 3)
        asked_model += bool(spent)
        gold = paragraphs[question.paragraph].sha256
        before.append(rank_of(asked.hits, gold))
        after.append(rank_of(taken.hits, gold))
    return ["KorQuAD over its own library", questions, asked_model, "–", "–", hit_at(before, 3), hit_at(after, 3)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.translated_search", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100, help="KorQuAD questions per library")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = load_settings()
    for kind, source in (("mixed", CASES), (library_kind(SQUAD), SQUAD), (library_kind(KORQUAD), KORQUAD)):
        if not (eval_settings(settings, kind).data_dir / "library.sqlite").is_file():
            parser.error(f"no eval library for {source}: build it with `python -m core eval "
                         f"{'mixed' if kind == 'mixed' else 'squad'} {source}`")
    app = DocChat(eval_settings(settings, "mixed"))
    translate = app.engine(app.llm()).translated
    header = ["pair", "n", "search", "hit@1", "hit@3", "hit@5", "MRR@10"]
    rows, per_question, seconds = mixed(settings, translate)
    print(table(header, rows))
    refusals, more_seconds = unanswerable(settings, translate, args.questions, args.seed)
    own = own_library(settings, translate, args.questions, args.seed)
    cost_header = ["questions", "n", "model asked to translate", "refused as asked",
                   "refused if the translation decided", "hit@3 as asked", "hit@3 with translation"]
    print(table(cost_header, [refusals, own]))
    spent = seconds + more_seconds
    print(f"translation: median {median(spent):.2f} s, max {max(spent):.2f} s over {len(spent)} questions")
    out = write_result("translated_search", {
        "mixed": [dict(zip(header, row, strict=True)) for row in rows], "per_question": per_question,
        "costs": [dict(zip(cost_header, row, strict=True)) for row in (refusals, own)],
        "translation_seconds": {"median": median(spent), "max": max(spent), "n": len(spent)},
        "questions": args.questions, "seed": args.seed})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
