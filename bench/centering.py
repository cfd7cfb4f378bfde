"""Language centering of the meaning legs (``core.retrieval.centering``) against the raw cosines, through the
product's own retrieval (``DocChat.retrieval``, hybrid), on the libraries ``python -m core eval`` builds.

- The mixed eval (``tests/data/mixed_eval.json``), by question → document language, at several strengths.
- SQuAD and KorQuAD (a seeded sample of each): hit@1 and hit@5 uncentred and at the product's strength,
  for the questions of the odd-numbered articles (whose paragraphs the shipped means never saw:
  ``bench.language_means``) and of the even-numbered ones apart.

    .venv/bin/python -m bench.centering [--questions 1000] [--strengths 0.15 0.25 0.35 0.5]
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, table, write_result
from bench.script_fusion import CASES
from core.embeddings import embedding_name
from core.eval.cli import eval_settings, library_kind
from core.eval.metrics import rank_scores
from core.eval.mixed import load_cases, run_mixed
from core.eval.squad import load_squad, rank_of
from core.retrieval.centering import STRENGTH, centering_for
from core.retrieval.retriever import Retrieval
from core.service import DocChat
from core.settings import Settings, load_settings

SETS = [CORPUS / "squad" / "dev-v1.1.json", CORPUS / "korquad" / "KorQuAD_v1.0_dev.json"]


def centred(retrieval: Retrieval, strength: float) -> Retrieval:
    model = embedding_name(retrieval.embeddings) if retrieval.embeddings else ""
    return replace(retrieval, centering=centering_for(model, strength))


def mixed_rows(settings: Settings, strengths: list[float]) -> list[list[Any]]:
    cases = load_cases(CASES)
    retrieval = DocChat(eval_settings(settings, "mixed")).retrieval("hybrid")
    rows = []
    for strength in [0.0, *strengths]:
        report = run_mixed(cases, centred(retrieval, strength).search, k=10)
        rows.append([strength, report.hit_at_1, report.hit_at_5, report.mrr_at_10,
                     *(f"{s.hit_at_1:.3f} / {s.hit_at_5:.3f}" for s in report.by_pair.values())])
    return [["strength", "hit@1", "hit@5", "MRR@10", *(f"{p} hit@1 / hit@5" for p in report.by_pair)], *rows]


def article_of_paragraph(path: Path) -> list[int]:
    """The article index of each paragraph, in ``load_squad``'s order."""
    articles = json.loads(path.read_text(encoding="utf-8"))["data"]
    return [n for n, a in enumerate(articles) for _ in a["paragraphs"]]


def one_language(settings: Settings, path: Path, questions: int, seed: int) -> list[list[Any]]:
    paragraphs, sample = load_squad(path)
    sample = random.Random(seed).sample(sample, questions) if 0 < questions < len(sample) else sample
    article = article_of_paragraph(path)
    retrieval = DocChat(eval_settings(settings, library_kind(path))).retrieval("hybrid")
    rows = []
    for strength in (0.0, STRENGTH):
        search = centred(retrieval, strength).search
        ranks = [(article[q.paragraph] % 2, rank_of(search(q.text, 10), paragraphs[q.paragraph].sha256))
                 for q in sample]
        for half, name in ((1, "odd articles (held out)"), (0, "even articles")):
            hit_at_1, hit_at_5, mrr = rank_scores([r for h, r in ranks if h == half])
            rows.append([path.name, name, sum(h == half for h, _ in ranks), strength, hit_at_1, hit_at_5, mrr])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.centering", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000, help="seeded sample of each set (0: all)")
    parser.add_argument("--strengths", type=float, nargs="*", default=[0.15, 0.25, 0.35, 0.5])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = load_settings()
    for kind, source in [("mixed", CASES)] + [(library_kind(p), p) for p in SETS]:
        if not (eval_settings(settings, kind).data_dir / "library.sqlite").is_file():
            parser.error(f"no eval library for {source}: build it with `python -m core eval "
                         f"{'mixed' if kind == 'mixed' else 'squad'} {source}`")
    header, *rows = mixed_rows(settings, args.strengths)
    print(table(header, rows))
    sets = [row for path in SETS for row in one_language(settings, path, args.questions, args.seed)]
    set_header = ["set", "questions of", "n", "strength", "hit@1", "hit@5", "MRR@10"]
    print(table(set_header, sets))
    out = write_result("centering", {"mixed": [dict(zip(header, row, strict=True)) for row in rows],
                                     "one_language": [dict(zip(set_header, row, strict=True)) for row in sets],
                                     "questions": args.questions, "seed": args.seed})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
