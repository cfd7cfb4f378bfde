"""The claim check's threshold, chosen on recorded answers: for each similarity threshold, the
answers the user would see refused with the paragraph removed (goal >= 90 %) against the right answers
lost with it present, on the tune half of each recorded set; the chosen threshold is then reported on
the other half. Records come from

    .venv/bin/python -m core eval answers ../shared/corpus/squad/dev-v1.1.json --questions 100 \
        --removed --record squad.jsonl

and this bench only embeds (no model is asked):

    .venv/bin/python -m bench.claim_check squad.jsonl korquad.jsonl [--choose 0.88] [--coverage 0.5]

A second sweep, at the chosen similarity, is over the share of the question's words a supported sentence's
context must hold (``QUESTION_COVERAGE``, docs/decisions/018-answers-on-topic.md; 0 switches it off).
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

import numpy as np

import core  # noqa: F401 - offline environment before any library import
from bench._common import table, write_result
from core.chat.claims import QUESTION_COVERAGE, SUPPORT_SIMILARITY
from core.embeddings import embed_matrix, load_embeddings
from core.eval.answer_records import read_records
from core.eval.grounding import grounding_scores, halves, judge
from core.settings import load_settings

SWEEP = [0.80, 0.82, 0.84, 0.85, 0.86, 0.87, 0.88, 0.89, 0.90, 0.91, 0.92, 0.94]
COVERAGE_SWEEP = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
COLUMNS = ["gold_contained_when_retrieved", "right_passage_cited", "in_language", "refused_present",
           "right_answers_lost", "refused_removed", "model_refused_removed", "claim_precision",
           "unsupported_recall_removed", "check_ms_median"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, nargs="+")
    parser.add_argument("--choose", type=float, default=SUPPORT_SIMILARITY, help="the threshold to report")
    parser.add_argument("--coverage", type=float, default=QUESTION_COVERAGE,
                        help="the share of the question's words to report at (0: off)")
    args = parser.parse_args()
    embeddings = load_embeddings(load_settings().embedding_model)

    def encode(texts: list[str]) -> np.ndarray:
        return embed_matrix(embeddings, texts)

    @functools.cache
    def encoded(texts: tuple[str, ...]) -> np.ndarray:
        return encode(list(texts))

    def cached(texts: list[str]) -> np.ndarray:
        """For the sweeps: every threshold embeds the same texts (their check_ms_median is meaningless)."""
        return encoded(tuple(texts))

    result: dict = {"sweep": {}, "coverage_sweep": {}, "report": {}}
    for path in args.records:
        tune, report = halves(read_records(path))
        rows = []
        for similarity in SWEEP:
            scores = grounding_scores(judge(tune, cached, similarity, coverage=0.0))
            result["sweep"].setdefault(path.stem, {})[similarity] = scores
            rows.append([similarity, *(scores[c] for c in COLUMNS)])
        print(f"\n{path.stem}: tune half ({len(tune)} answers), no coverage test\n"
              + table(["similarity", *COLUMNS], rows))
        rows = []
        for coverage in COVERAGE_SWEEP:
            scores = grounding_scores(judge(tune, cached, args.choose, coverage=coverage))
            result["coverage_sweep"].setdefault(path.stem, {})[coverage] = scores
            rows.append([coverage, *(scores[c] for c in COLUMNS)])
        print(f"\n{path.stem}: tune half, similarity {args.choose}, by question coverage\n"
              + table(["coverage", *COLUMNS], rows))
        chosen = {f"{name}, coverage {coverage}": grounding_scores(judge(half, encode, args.choose, coverage=coverage))
                  for name, half in (("tune", tune), ("report", report))
                  for coverage in (0.0, args.coverage)}
        result["report"][path.stem] = chosen
        print(f"\n{path.stem}: similarity {args.choose}, without and with the coverage test\n" + table(
            ["half", *COLUMNS], [[name, *(s[c] for c in COLUMNS)] for name, s in chosen.items()]))
    print(f"\nwrote {write_result('claim_check', {'chosen': args.choose, **result})}")


if __name__ == "__main__":
    main()
