"""The claim check's threshold, chosen on recorded answers: for each similarity threshold, the
answers the user would see refused with the paragraph removed (goal >= 90 %) against the right answers
lost with it present, on the tune half of each recorded set; the chosen threshold is then reported on
the other half. Records come from

    .venv/bin/python -m core eval answers ../shared/corpus/squad/dev-v1.1.json --questions 100 \
        --removed --record squad.jsonl

and this bench only embeds (no model is asked):

    .venv/bin/python -m bench.claim_check squad.jsonl korquad.jsonl [--choose 0.88]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import core  # noqa: F401 - offline environment before any library import
from bench._common import table, write_result
from core.chat.claims import SUPPORT_SIMILARITY
from core.embeddings import embed_matrix, load_embeddings
from core.eval.answer_records import read_records
from core.eval.grounding import grounding_scores, halves, judge
from core.settings import load_settings

SWEEP = [0.80, 0.82, 0.84, 0.85, 0.86, 0.87, 0.88, 0.89, 0.90, 0.91, 0.92, 0.94]
COLUMNS = ["gold_contained_when_retrieved", "right_passage_cited", "in_language", "refused_present",
           "right_answers_lost", "refused_removed", "model_refused_removed", "claim_precision",
           "unsupported_recall_removed", "check_ms_median"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, nargs="+")
    parser.add_argument("--choose", type=float, default=SUPPORT_SIMILARITY, help="the threshold to report")
    args = parser.parse_args()
    embeddings = load_embeddings(load_settings().embedding_model)

    def encode(texts: list[str]):
        return embed_matrix(embeddings, texts)

    result: dict = {"sweep": {}, "report": {}}
    for path in args.records:
        tune, report = halves(read_records(path))
        rows = []
        for similarity in SWEEP:
            scores = grounding_scores(judge(tune, encode, similarity))
            result["sweep"].setdefault(path.stem, {})[similarity] = scores
            rows.append([similarity, *(scores[c] for c in COLUMNS)])
        print(f"\n{path.stem}: tune half ({len(tune)} answers)\n" + table(["similarity", *COLUMNS], rows))
        chosen = {name: grounding_scores(judge(half, encode, args.choose))
                  for name, half in (("tune", tune), ("report", report))}
        result["report"][path.stem] = chosen
        print(f"\n{path.stem}: threshold {args.choose}\n" + table(
            ["half", *COLUMNS], [[name, *(s[c] for c in COLUMNS)] for name, s in chosen.items()]))
    print(f"\nwrote {write_result('claim_check', {'chosen': args.choose, **result})}")


if __name__ == "__main__":
    main()
