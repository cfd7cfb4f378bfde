"""Hybrid fusion when the question and a passage are in different scripts (an English question, a Korean
passage): the keyword leg cannot reach such a passage, bar a shared name or number.

The fusion inputs (``Retrieval.legs``, the product's own path) are computed once per question, and each
treatment is a fusion applied to the same inputs, so the rows differ only by the treatment:

- (a) a passage out of reach scores what the keyword leg gave it, mostly 0 (what fusion did before);
- (b) its dense and sentence legs alone, rescaled to the full weight;
- (c) on the keyword leg, the score of the same rank among the reachable candidates as its rank in meaning
  among the passages out of reach: the product's ``convex``.

On the mixed eval (``tests/data/mixed_eval.json``, the library ``python -m core eval mixed`` builds) each
row is scored by question → document language. On a set of one language (SQuAD, KorQuAD: their eval
libraries) the bench counts the sampled questions that meet a candidate out of reach and how many of their
gold ranks (a) and (c) tell apart. The bench builds no library.

    .venv/bin/python -m bench.script_fusion [--sets PATH ...] [--questions 1000]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, table, write_result
from core.embeddings import embed_query_vector
from core.eval.cli import eval_settings, library_kind
from core.eval.mixed import load_cases, run_mixed
from core.eval.squad import load_squad, rank_of
from core.retrieval.fusion import Fusion, _normalised, _normalised_scores, _ranked, convex
from core.retrieval.retriever import Legs
from core.service import DocChat
from core.settings import Settings, load_settings
from core.store.records import Hit

CASES = Path(__file__).resolve().parents[1] / "tests" / "data" / "mixed_eval.json"
SETS = [CORPUS / "korquad" / "KorQuAD_v1.0_dev.json", CORPUS / "squad" / "dev-v1.1.json"]


def as_before(legs: Legs) -> Legs:
    """(a): no candidate named out of reach."""
    return replace(legs, out_of_reach=frozenset())


def meaning_alone(dense: list[Hit], keyword: list[Hit], keyword_weight: float, k: int,
                  sentences: dict[int, float] | None = None, sentence_weight: float = 0.0, *,
                  unembedded: Collection[int] = frozenset(), out_of_reach: Collection[int] = frozenset()) -> list[Hit]:
    """(b): a passage out of reach is scored by the legs that can see it, their weights rescaled to 1.
    Every vector has landed in an eval library, so ``unembedded`` is empty here."""
    d, kw = _normalised(dense), _normalised(keyword)
    by_id = {h.chunk_id: h for h in keyword} | {h.chunk_id: h for h in dense}
    sent = _normalised_scores({i: s for i, s in (sentences or {}).items() if i in by_id})
    sentence_weight = sentence_weight if sent else 0.0
    dense_weight = max(0.0, 1 - keyword_weight - sentence_weight)
    meaning = {i: dense_weight * d.get(i, 0.0) + sentence_weight * sent.get(i, 0.0) for i in by_id}
    fused = {i: meaning[i] / (1 - keyword_weight) if i in out_of_reach else meaning[i] + keyword_weight * kw.get(i, 0.0)
             for i in by_id}
    return _ranked(by_id, fused, k)


TREATMENTS: dict[str, tuple[Any, Fusion]] = {
    "(a) keyword leg as it found them (before)": (as_before, convex),
    "(b) meaning legs alone, rescaled": (lambda legs: legs, meaning_alone),
    "(c) rank in meaning as keyword rank (product)": (lambda legs: legs, convex),
}


def mixed_rows(settings: Settings) -> list[list[Any]]:
    cases = load_cases(CASES)
    app = DocChat(eval_settings(settings, "mixed"))
    retrieval = app.retrieval("hybrid")
    legs = {c.question: retrieval.legs(c.question, embed_query_vector(app.embeddings, c.question)) for c in cases}
    met = sum(bool(legs[c.question].out_of_reach) for c in cases)
    print(f"mixed eval: {len(cases)} questions, {met} meet a candidate out of reach")
    rows = []
    for name, (prepare, fusion) in TREATMENTS.items():
        report = run_mixed(cases, lambda text, k, p=prepare, f=fusion: p(legs[text]).fuse(f, k), k=10)
        rows.append([name, report.hit_at_1, report.hit_at_5, report.mrr_at_10,
                     *(f"{s.hit_at_1:.3f} / {s.hit_at_5:.3f}" for s in report.by_pair.values())])
    return [["setting", "hit@1", "hit@5", "MRR@10", *(f"{p} hit@1 / hit@5" for p in report.by_pair)], *rows]


def one_language(settings: Settings, path: Path, questions: int, seed: int) -> dict[str, Any]:
    """How many sampled questions of a one-language set meet a candidate out of reach, and how many of
    their gold paragraphs the product's rule moves up or down."""
    paragraphs, sample = load_squad(path)
    sample = random.Random(seed).sample(sample, questions) if 0 < questions < len(sample) else sample
    app = DocChat(eval_settings(settings, library_kind(path)))
    retrieval = app.retrieval("hybrid")
    met = up = down = 0
    for q in sample:
        legs = retrieval.legs(q.text, embed_query_vector(app.embeddings, q.text))
        if not legs.out_of_reach:
            continue
        met += 1
        sha = paragraphs[q.paragraph].sha256
        now, before = (rank_of(x.fuse(convex, 10), sha) or 11 for x in (legs, as_before(legs)))
        up, down = up + (now < before), down + (now > before)
    return {"set": path.name, "questions": len(sample), "meet a candidate out of reach": met,
            "gold moved up": up, "gold moved down": down}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.script_fusion", description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=Path, nargs="*", default=SETS, help="files in SQuAD's format")
    parser.add_argument("--questions", type=int, default=1000, help="seeded sample of each set (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = load_settings()
    libraries = [("mixed", CASES)] + [(library_kind(p), p) for p in args.sets]
    for kind, source in libraries:
        if not (eval_settings(settings, kind).data_dir / "library.sqlite").is_file():
            parser.error(f"no eval library for {source}: build it with `python -m core eval "
                         f"{'mixed' if kind == 'mixed' else 'squad'} {source}`")
    header, *rows = mixed_rows(settings)
    print(table(header, rows))
    sets = [one_language(settings, path, args.questions, args.seed) for path in args.sets]
    print(table(list(sets[0]), [list(s.values()) for s in sets]) if sets else "")
    out = write_result("script-fusion", {"mixed": [dict(zip(header, row, strict=True)) for row in rows],
                                         "one_language": sets, "seed": args.seed})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
