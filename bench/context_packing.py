"""Context packing, measured offline on recorded answers: if each passage given to the model kept only
its sentences closest to the question, how much shorter would the prompt be (the model reads about 100
prompt tokens a second on two cores, so prompt length is most of the time to the first token), and how
often would the gold answer still be in it (an upper bound for a right answer)?

Policies: every sentence (today); the best ``n`` sentences of each passage by cosine to the question,
in their order, plus every sentence that states a number the question states, as the app packs them
(`core/chat/packing.py`, setting `context_sentences`). Records come from
``eval answers --record`` (only the passages are read, not the answers):

    .venv/bin/python -m bench.context_packing squad.jsonl korquad.jsonl
"""

from __future__ import annotations

import argparse
from pathlib import Path

import core  # noqa: F401 - offline environment before any library import
from bench._common import table, write_result
from core.chat.packing import packed
from core.chat.passages import split_passages
from core.embeddings import embed_matrix, embed_query_vector, load_embeddings
from core.eval.answer_records import read_records
from core.eval.answers import contains_gold
from core.settings import load_settings

KEEP = [0, 6, 4, 3, 2]  # 0: every sentence (the app's default)


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
            passages = split_passages([s.text for s in r.sources], lambda texts: embed_matrix(embeddings, texts))
            for keep in KEEP:
                context = "\n\n".join(packed(p, question, r.question, keep) for p in passages)
                gold[keep] += contains_gold(context, r.answers)
                chars[keep] += len(context)
        rows = [["all" if keep == 0 else keep, round(gold[keep] / len(records), 4),
                 round(chars[keep] / max(chars[0], 1), 3)] for keep in KEEP]
        result[path.stem] = {"questions": len(records), "rows": rows}
        print(f"\n{path.stem}: {len(records)} questions whose paragraph was retrieved\n"
              + table(["sentences kept per passage", "gold answer in the context", "context length vs all"], rows))
    print(f"\nwrote {write_result('context_packing', result)}")


if __name__ == "__main__":
    main()
