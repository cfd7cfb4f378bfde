"""Context packing, measured offline on recorded answers: if each passage given to the model kept only
its sentences closest to the question, how much shorter would the prompt be (the model reads about 100
prompt tokens a second on two cores, so prompt length is most of the time to the first token), and how
often would the gold answer still be in it (an upper bound for a right answer)?

Policies: every sentence (today); the best ``n`` sentences of each passage by cosine to the question,
in their order, plus every sentence that states a number the question states. Records come from
``eval answers --record`` (only the passages are read, not the answers):

    .venv/bin/python -m bench.context_packing squad.jsonl korquad.jsonl
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import core  # noqa: F401 - offline environment before any library import
from bench._common import table, write_result
from core.chat.citations import pieces
from core.chat.claims import numbers
from core.embeddings import embed_matrix, embed_query_vector, load_embeddings
from core.eval.answer_records import read_records
from core.eval.answers import contains_gold
from core.settings import load_settings

KEEP = [None, 6, 4, 3, 2]  # None: every sentence


def packed(passage: list[str], scores: np.ndarray, keep: int | None, question_numbers: set[str]) -> str:
    if keep is None or len(passage) <= keep:
        return "".join(passage)
    best = set(np.argsort(-scores)[:keep].tolist())
    return "".join(p for i, p in enumerate(passage) if i in best or numbers(p) & question_numbers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, nargs="+")
    args = parser.parse_args()
    embeddings = load_embeddings(load_settings().embedding_model)
    result = {}
    for path in args.records:
        records = [r for r in read_records(path) if r.passage == "present" and r.retrieved]
        gold = {keep: 0 for keep in KEEP}
        chars = {keep: 0 for keep in KEEP}
        for r in records:
            question = embed_query_vector(embeddings, r.question)
            split = [[p for p in pieces(s.text) if p.strip()] for s in r.sources]
            vectors = embed_matrix(embeddings, [p for passage in split for p in passage])
            scores, start = [], 0
            for passage in split:
                scores.append(vectors[start:start + len(passage)] @ question)
                start += len(passage)
            asked = numbers(r.question)
            for keep in KEEP:
                context = "\n\n".join(packed(p, s, keep, asked) for p, s in zip(split, scores, strict=True))
                gold[keep] += contains_gold(context, r.answers)
                chars[keep] += len(context)
        rows = [["all" if keep is None else keep, round(gold[keep] / len(records), 4),
                 round(chars[keep] / max(chars[None], 1), 3)] for keep in KEEP]
        result[path.stem] = {"questions": len(records), "rows": rows}
        print(f"\n{path.stem}: {len(records)} questions whose paragraph was retrieved\n"
              + table(["sentences kept per passage", "gold answer in the context", "context length vs all"], rows))
    print(f"\nwrote {write_result('context_packing', result)}")


if __name__ == "__main__":
    main()
