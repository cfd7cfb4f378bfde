"""What the claim check costs after the stream, and what embedding only the passages that could support
an answer saves, against the raw embedder call over every passage piece, in one run.

The cases are SQuAD dev questions whose gold answer holds a number, answered the way the default model
answers ("1874 [1]. <the context sentence holding it>"), over the gold paragraph and the next two of the
same article (as retrieval returns neighbours). Then a follow-up over the same passages, answered with
another sentence of the gold paragraph, checked through the app's remembered vectors
(``core.embeddings.remembered``: the first question's passage sentences are not embedded again). No model
is asked:

    .venv/bin/python -m bench.claim_check_cost [--cases 30]
"""

from __future__ import annotations

import argparse
import json
import re
import time

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, machine, median, table, write_result
from core.chat.citations import pieces
from core.chat.claims import check_claims
from core.chat.passages import split_passages
from core.embeddings import embed_matrix, load_embeddings
from core.embeddings.remembered import RememberedVectors
from core.settings import load_settings

PASSAGE_CHARS = 700  # the default chunk size


def numeric_cases(limit: int) -> list[tuple[str, str, list[str], str]]:
    """(question, answer, three passages, a follow-up answer: another sentence of the gold paragraph) for
    the first ``limit`` articles' first numeric question."""
    data = json.loads((CORPUS / "squad" / "dev-v1.1.json").read_text(encoding="utf-8"))["data"]
    cases = []
    for article in data:
        paragraphs = article["paragraphs"]
        for i, paragraph in enumerate(paragraphs[:-2]):
            qa = next((q for q in paragraph["qas"] if re.search(r"\d", q["answers"][0]["text"])), None)
            gold = qa["answers"][0]["text"] if qa else ""
            sentence = next((s.strip() for s in pieces(paragraph["context"]) if gold and gold in s), None)
            if qa and sentence:
                passages = [p["context"][:PASSAGE_CHARS] for p in paragraphs[i:i + 3]]
                other = next((s.strip() for s in pieces(passages[0]) if s.strip() and s.strip() != sentence), sentence)
                cases.append((qa["question"], f"{gold} [1]. {sentence}", passages, f"{other} [1]"))
                break
        if len(cases) >= limit:
            break
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30)
    args = parser.parse_args()
    embeddings = load_embeddings(load_settings().embedding_model)

    def encode(texts: list[str]):
        return embed_matrix(embeddings, texts)

    encode(["warm up"])
    raw, every, pruned, cold, follow_up, follow_up_alone, same = [], [], [], [], [], [], 0
    for question, answer, passages, other in numeric_cases(args.cases):
        started = time.perf_counter()
        encode([p for text in passages for p in pieces(text) if p.strip()])  # the raw call the old check made
        raw.append(time.perf_counter() - started)
        started = time.perf_counter()
        full = check_claims(answer, split_passages(passages, encode), encode, question=question)
        every.append(time.perf_counter() - started)
        started = time.perf_counter()
        check = check_claims(answer, passages, encode, question=question)
        pruned.append(time.perf_counter() - started)
        same += [(c.passage, c.piece) for c in full.claims] == [(c.passage, c.piece) for c in check.claims]
        remembered = RememberedVectors(encode)  # the app's: one per DocChat, empty here for each case
        started = time.perf_counter()
        check_claims(answer, passages, remembered, question=question)
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        check_claims(other, passages, remembered, question=question)
        follow_up.append(time.perf_counter() - started)
        started = time.perf_counter()
        check_claims(other, passages, encode, question=question)
        follow_up_alone.append(time.perf_counter() - started)
    rows = [["embed every piece (raw embedder call)", 1000 * median(raw), 1.0],
            ["check, every passage embedded", 1000 * median(every), median(every) / median(raw)],
            ["check, passages lacking the number skipped", 1000 * median(pruned), median(pruned) / median(raw)],
            ["the same through remembered vectors (first question)", 1000 * median(cold), median(cold) / median(raw)],
            ["a follow-up over the same passages, nothing remembered", 1000 * median(follow_up_alone),
             median(follow_up_alone) / median(raw)],
            ["a follow-up over the same passages, remembered", 1000 * median(follow_up),
             median(follow_up) / median(raw)]]
    print(table(["", "median ms", "ratio to raw"], rows))
    print(f"same claims tied: {same} of {len(raw)}")
    written = write_result("claim_check_cost", {"machine": machine(), "cases": len(raw), "same": same, "rows": rows})
    print(f"wrote {written}")


if __name__ == "__main__":
    main()
