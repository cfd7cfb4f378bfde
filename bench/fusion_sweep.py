"""How to fuse the dense and keyword legs (and each chunk's best sentence), measured on all of
SQuAD v1.1 dev.

Each leg's top 30 is computed once per question with the app's own code (``Library.search`` on
the embedder's query vector, ``Library.keyword_search`` on ``build_query``), and so is each
candidate's best-sentence cosine (``Retrieval._best_sentences``); the fusion functions of
``core.retrieval.fusion`` are then applied with each weight, so a sweep costs one pass of
questions instead of one per setting. The eval library is the one ``python -m core eval squad``
builds (and reuses) under ``<data dir>/eval/``; with ``sentence_weight = 0`` it has no sentence
vectors and only the two-leg rows are printed.

    .venv/bin/python -m bench.fusion_sweep [--model multilingual-e5-small] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tqdm import tqdm

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, now, table, write_result
from core.embeddings import embed_query_vector
from core.eval.cli import eval_settings
from core.eval.metrics import rank_scores
from core.eval.squad import build_library, load_squad, rank_of
from core.retrieval.fusion import METHODS
from core.retrieval.keyword import build_query
from core.service import DocChat
from core.settings import load_settings

SQUAD = CORPUS / "squad" / "dev-v1.1.json"
CANDIDATES = 30
WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7)
# (keyword weight, sentence weight); the dense chunk leg gets the rest
SENTENCE_WEIGHTS = ((0.2, 0.5), (0.2, 0.6), (0.3, 0.4), (0.3, 0.5), (0.3, 0.6), (0.3, 0.7), (0.4, 0.4),
                    (0.4, 0.5), (0.4, 0.6))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fusion_sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="embedding model (default: the setting)")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--squad", type=Path, default=SQUAD)
    args = parser.parse_args(argv)
    settings = load_settings().with_data_dir(args.data_dir)
    if args.model:
        settings = settings.replace(embedding_model=args.model)
    app = DocChat(eval_settings(settings, "squad"))
    paragraphs, questions = load_squad(args.squad)
    build_library(app, paragraphs, lambda items: tqdm(items, desc="eval library", unit="batch"))

    started = now()
    with_sentences = settings.sentence_vectors
    retrieval = app.retrieval()
    legs = []
    for question in tqdm(questions, desc="both legs", unit="q"):
        vector = embed_query_vector(app.embeddings, question.text)
        query = build_query(question.text)
        dense = app.store.search(vector, CANDIDATES)
        keyword = app.store.keyword_search(query, CANDIDATES)
        ids = list(dict.fromkeys([h.chunk_id for h in dense + keyword]))
        sentences = (retrieval._best_sentences(vector, ids, app.store.similarities(vector, ids))
                     if with_sentences else {})
        legs.append((dense, keyword, sentences))
    legs_s = now() - started
    gold = [paragraphs[q.paragraph].sha256 for q in questions]

    def measure(pick) -> list[float]:
        ranks = [rank_of(pick(*leg), g) for leg, g in zip(legs, gold, strict=True)]
        return [round(x, 4) for x in rank_scores(ranks)]

    rows = [["vector", "-", "-", *measure(lambda d, k, s: d[:10])],
            ["keyword", "-", "-", *measure(lambda d, k, s: k[:10])]]
    for method, fuse in METHODS.items():
        for weight in WEIGHTS:
            rows.append([method, weight, "-", *measure(lambda d, k, s, f=fuse, w=weight: f(d, k, w, 10))])
    if with_sentences:
        for kw, sw in SENTENCE_WEIGHTS:
            rows.append(["convex", kw, sw, *measure(lambda d, k, s, a=kw, b=sw: METHODS["convex"](d, k, a, 10, s, b))])
    print(f"{settings.embedding_model}, {len(questions)} questions, legs computed in {legs_s:.0f} s")
    header = ["fusion", "keyword weight", "sentence weight", "hit@1", "hit@5", "MRR@10"]
    print(table(header, rows))
    out = write_result(f"fusion-sweep-{app.settings.data_dir.name}", {
        "embedding_model": settings.embedding_model, "questions": len(questions), "candidates": CANDIDATES,
        "rows": [dict(zip(["fusion", "keyword_weight", "sentence_weight", "hit@1", "hit@5", "mrr@10"], r,
                          strict=True)) for r in rows],
    })
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
