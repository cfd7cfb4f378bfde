"""Hybrid fusion while half the library is still waiting for its vectors (keyword-first ingest).

Keyword-first ingest commits a document's rows and keyword index at once and its vectors later, in
batches. Until they land the store has no vector for its chunks: the dense leg never finds them and
``similarities`` / ``sentence_similarities`` leave them out, so only the keyword leg can. This bench
asks how the convex fusion should score such a chunk, on an eval library that is fully embedded,
with a seeded half of its documents made to look pending by ``PendingVectors`` (a proxy over the
store that only hides: the bench adds, deletes and copies nothing, and another process may be using
the library meanwhile).

Each question is embedded once; the fusion inputs (``Retrieval.legs``, the product's own path) are
computed once on the real store and once through the proxy, and each treatment is a fusion function
applied to the same inputs, so the rows differ only by the treatment:

- (a) a chunk without vector scores 0 on the dense and sentence legs (what fusion did before);
- (b) its score is its normalised keyword score: the weights it cannot use go to the keyword leg;
- (c) its missing legs get the median normalised dense / sentence score of the embedded candidates
  of the same question (a neutral "as close as the typical candidate");
- (d) on each missing leg it gets the embedded candidates' score of the same rank as its keyword
  rank (the keyword leg's third hit is taken to be the third closest in meaning): the product's
  ``convex`` since this bench.

Questions are split by whether their gold paragraph is pending or embedded; the keyword retriever on
the same sample is the floor a pending chunk should reach. The library is the one ``python -m core
eval squad PATH`` builds under ``<data dir>/eval/``; the bench refuses to build one.

    nice -n 10 .venv/bin/python -m bench.pending_fusion [PATH] [--questions 1000] [--seed 0]

PATH defaults to KorQuAD 1.0 dev (../shared/corpus/korquad/KorQuAD_v1.0_dev.json); SQuAD's is
../shared/corpus/squad/dev-v1.1.json. About 6-7 minutes for 1,000 questions on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np
from tqdm import tqdm

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, now, table, write_result
from core.embeddings import embed_query_vector
from core.eval.cli import eval_settings, library_kind
from core.eval.squad import Paragraph, Question, RetrievalReport, evaluate, load_squad
from core.retrieval.fusion import Fusion, _normalised, _normalised_scores, _ranked, convex
from core.retrieval.retriever import Legs
from core.service import DocChat
from core.settings import load_settings
from core.store.base import Store
from core.store.keyword_query import KeywordQuery
from core.store.records import Hit
from core.store.scope import Scope

KORQUAD = CORPUS / "korquad" / "KorQuAD_v1.0_dev.json"
SPLITS = ("gold pending", "gold embedded", "all")


class PendingVectors:
    """The store as keyword-first ingest leaves it halfway: every row and the keyword index, but no
    vector for the chunks of the ``pending`` documents. Reads only; everything else is forwarded.

    Pending chunks are known by their document's sha256, not only by the ids they had at the start:
    a document another process deletes and adds back comes back under new chunk ids, which the
    proxy learns from the keyword hits that carry them (the only way a pending chunk is found)."""

    def __init__(self, store: Store, pending: Collection[str]) -> None:
        self._store = store
        self.pending = frozenset(pending)
        self.pending_ids = {i for sha in self.pending for i, _chunk in store.document_chunks(sha)}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def search(self, query_vector: np.ndarray, k: int, scope: Scope | None = None) -> list[Hit]:
        """The k nearest embedded chunks: asks for more until k are left after the pending ones."""
        fetch = k
        while True:
            hits = self._store.search(query_vector, fetch, scope)
            kept = [h for h in hits if h.sha256 not in self.pending]
            if len(kept) >= k or len(hits) < fetch:
                return kept[:k]
            fetch *= 2

    def similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        return self._embedded(self._store.similarities(query_vector, ids))

    def sentence_similarities(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        return self._embedded(self._store.sentence_similarities(query_vector, ids))

    def keyword_search(self, query: KeywordQuery, k: int, scope: Scope | None = None) -> list[Hit]:
        hits = self._store.keyword_search(query, k, scope)
        self.pending_ids.update(h.chunk_id for h in hits if h.sha256 in self.pending)
        return hits

    def _embedded(self, scores: dict[int, float]) -> dict[int, float]:
        return {i: s for i, s in scores.items() if i not in self.pending_ids}


Fill = Callable[[int, float, list[list[float]]], tuple[float, float]]
"""(the chunk's keyword rank, its normalised keyword score, [the embedded candidates' normalised
dense scores, their sentence scores], each best first) -> the dense and sentence values it is given."""


def with_missing_legs(fill: Fill) -> Fusion:
    """Convex fusion as the product does it for embedded candidates, with the legs an unembedded
    chunk cannot have filled by ``fill``. Filled with 0 it is fusion as it was, filled by keyword rank
    the product's ``convex`` (tests/core/retrieval/test_pending_vectors.py holds them equal)."""

    def fuse(dense: list[Hit], keyword: list[Hit], keyword_weight: float, k: int,
             sentences: dict[int, float] | None = None, sentence_weight: float = 0.0, *,
             unembedded: Collection[int] = frozenset(),
             out_of_reach: Collection[int] = frozenset()) -> list[Hit]:  # one script in these sets
        d, kw = _normalised(dense), _normalised(keyword)
        by_id = {h.chunk_id: h for h in keyword} | {h.chunk_id: h for h in dense}
        sent = _normalised_scores({i: s for i, s in (sentences or {}).items() if i in by_id})
        sentence_weight = sentence_weight if sent else 0.0
        dense_weight = max(0.0, 1 - keyword_weight - sentence_weight)
        embedded = [i for i in by_id if i not in unembedded]
        best_first = [sorted((leg.get(i, 0.0) for i in embedded), reverse=True) for leg in (d, sent)]
        rank = {h.chunk_id: r for r, h in enumerate(keyword)}
        fused = {}
        for i in by_id:
            dv, sv = (fill(rank[i], kw.get(i, 0.0), best_first) if i in unembedded
                      else (d.get(i, 0.0), sent.get(i, 0.0)))
            fused[i] = keyword_weight * kw.get(i, 0.0) + dense_weight * dv + sentence_weight * sv
        return _ranked(by_id, fused, k)

    return fuse


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


TREATMENTS: dict[str, Fusion] = {
    # (a) what fusion did before: absent from a leg scores 0 there, capping the chunk at the keyword weight
    "(a) missing legs 0 (before)": with_missing_legs(lambda r, kw, legs: (0.0, 0.0)),
    # (b) the weights of the legs it cannot have go to the keyword leg
    "(b) keyword score alone": with_missing_legs(lambda r, kw, legs: (kw, kw)),
    # (c) as close to the question as the typical embedded candidate of the same question
    "(c) median imputed": with_missing_legs(lambda r, kw, legs: (_median(legs[0]), _median(legs[1]))),
    # (d) its keyword rank taken as its rank on the missing legs: the product's convex
    "(d) keyword rank imputed (product)": convex,
}


def split_report(name: str, questions: list[Question], paragraphs: list[Paragraph], pending: frozenset[str],
                 search: Callable[[str, int], list[Hit]]) -> list[RetrievalReport]:
    """The app's own scoring (``core.eval.squad.evaluate``) on each split of the questions."""
    gold = {"gold pending": [q for q in questions if paragraphs[q.paragraph].sha256 in pending],
            "gold embedded": [q for q in questions if paragraphs[q.paragraph].sha256 not in pending],
            "all": questions}
    return [evaluate(name, gold[split], paragraphs, search) for split in SPLITS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pending_fusion", description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, nargs="?", default=KORQUAD, help="a file in SQuAD's format")
    parser.add_argument("--questions", type=int, default=1000, help="seeded sample size (0: every question)")
    parser.add_argument("--seed", type=int, default=0, help="picks the sample and the pending half")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = eval_settings(load_settings().with_data_dir(args.data_dir), library_kind(args.path))
    if not (settings.data_dir / "library.sqlite").is_file():
        parser.error(f"no eval library at {settings.data_dir}: build it with `python -m core eval squad {args.path}`")
    paragraphs, questions = load_squad(args.path)
    app = DocChat(settings)
    shas = sorted({p.sha256 for p in paragraphs})
    held = {d.sha256 for d in app.documents()}
    if missing := len(set(shas) - held):
        print(f"note: {missing} of {len(shas)} paragraphs not in the library now (another process may be "
              "deleting one to restore it)")
    rng = random.Random(args.seed)
    sample = rng.sample(questions, args.questions) if 0 < args.questions < len(questions) else questions
    pending = frozenset(rng.sample(shas, len(shas) // 2))
    proxy = PendingVectors(app.store, pending)
    full = app.retrieval("hybrid")
    half = replace(full, store=cast(Store, proxy))

    started = now()
    legs: dict[str, tuple[Legs, Legs]] = {}
    for question in tqdm(sample, desc="legs", unit="q"):
        if question.text not in legs:
            vector = embed_query_vector(app.embeddings, question.text)
            legs[question.text] = (full.legs(question.text, vector), half.legs(question.text, vector))
    legs_s = now() - started

    keyword = app.retrieval("keyword")
    rows: list[list[Any]] = []
    runs: list[tuple[str, Callable[[str, int], list[Hit]]]] = [
        ("all embedded (baseline)", lambda text, k: legs[text][0].fuse(convex, k)),
        ("keyword only (floor)", keyword.search)]
    runs += [(f"half pending: {name}", lambda text, k, f=fuse: legs[text][1].fuse(f, k))
             for name, fuse in TREATMENTS.items()]
    for name, search in runs:
        reports = split_report(name, sample, paragraphs, pending, search)
        rows.append([name, *(round(x, 3) for r in reports for x in (r.hit_at_1, r.hit_at_5, r.mrr_at_10))])
    counts = [r.questions for r in reports]
    print(f"{args.path.name}: {len(sample)} questions (seed {args.seed}; gold pending {counts[0]}, gold embedded "
          f"{counts[1]}), {len(pending)} of {len(shas)} documents pending, {settings.embedding_model}, "
          f"legs in {legs_s:.0f} s")
    header = ["setting", *(f"{split} {m}" for split in SPLITS for m in ("hit@1", "hit@5", "MRR@10"))]
    print(table(header, rows))
    out = write_result(f"pending-fusion-{settings.data_dir.name}", {
        "path": str(args.path), "questions": len(sample), "seed": args.seed, "pending_documents": len(pending),
        "documents": len(shas), "split_questions": dict(zip(SPLITS, counts, strict=True)),
        "embedding_model": settings.embedding_model, "legs_seconds": round(legs_s, 1),
        "rows": [dict(zip(header, row, strict=True)) for row in rows]})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
