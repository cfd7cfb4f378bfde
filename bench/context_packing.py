"""Context packing, measured offline on recorded answers: if each passage given to the model kept only
its sentences closest to the question, how much shorter would the prompt be (the model reads about 100
prompt tokens a second on two cores, so prompt length is most of the time to the first token), and how
often would the gold answer still be in it (an upper bound for a right answer)?

Policies: every sentence (whole passages); the best ``n`` sentences of each passage by cosine to the question,
in their order, plus every sentence that states a number the question states, as the app packs them
(`core/chat/packing.py`, setting `context_sentences`); and every passage cut together to a reading budget
in tokens (``packed_to_budget``, setting `context_tokens`), which leaves a context that fits it whole.
Records come from
``eval answers --record`` (only the passages are read, not the answers):

    .venv/bin/python -m bench.context_packing squad.jsonl korquad.jsonl
"""

from __future__ import annotations

import argparse
from pathlib import Path
from statistics import median

import core  # noqa: F401 - offline environment before any library import
from bench._common import table, write_result
from core.chat.packing import packed, packed_to_budget, reading_cost
from core.chat.passages import split_passages
from core.embeddings import embed_matrix, embed_query_vector, load_embeddings
from core.eval.answer_records import read_records
from core.eval.answers import contains_gold
from core.settings import load_settings

KEEP = [0, 6, 4, 3, 2]  # 0: every sentence
BUDGETS = [0, 800, 600, 500, 400, 300]  # 0: no budget


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
        budget_gold = {budget: 0 for budget in BUDGETS}
        costs: dict[int, list[float]] = {budget: [] for budget in BUDGETS}
        for r in records:
            question = embed_query_vector(embeddings, r.question)
            passages = split_passages([s.text for s in r.sources], lambda texts: embed_matrix(embeddings, texts))
            for keep in KEEP:
                context = "\n\n".join(packed(p, question, r.question, keep) for p in passages)
                gold[keep] += contains_gold(context, r.answers)
                chars[keep] += len(context)
            for budget in BUDGETS:
                context = "\n\n".join(packed_to_budget(passages, question, r.question, budget))
                budget_gold[budget] += contains_gold(context, r.answers)
                costs[budget].append(reading_cost(context))
        rows = [["all" if keep == 0 else keep, round(gold[keep] / len(records), 4),
                 round(chars[keep] / max(chars[0], 1), 3)] for keep in KEEP]
        budget_rows = [["none" if budget == 0 else budget, round(budget_gold[budget] / len(records), 4),
                        round(median(costs[budget])), round(max(costs[budget]))] for budget in BUDGETS]
        result[path.stem] = {"questions": len(records), "rows": rows, "budget_rows": budget_rows}
        print(f"\n{path.stem}: {len(records)} questions whose paragraph was retrieved\n"
              + table(["sentences kept per passage", "gold answer in the context", "context length vs all"], rows)
              + "\n\n" + table(["reading budget (tokens)", "gold answer in the context", "median tokens",
                                 "most tokens"], budget_rows))
    print(f"\nwrote {write_result('context_packing', result)}")


if __name__ == "__main__":
    main()
