"""``python -m core eval``: the eval commands, kept out of core/cli.py to keep that one short."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

from core.settings import Settings


def eval_settings(settings: Settings, kind: str) -> Settings:
    """Eval libraries live beside the user's, one per embedding model, and are reused."""
    from core.embeddings import canonical_name

    model = canonical_name(settings.embedding_model).replace("/", "_")
    return replace(settings, data_dir=settings.data_dir / "eval" / f"{kind}-{model}")


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from core.eval.squad import build_library, evaluate, load_squad
    from core.service import DocChat

    if not args.path.is_file():
        print(f"error: {args.path} not found (SQuAD v1.1 dev: dev-v1.1.json)", file=sys.stderr)
        return 2
    paragraphs, questions = load_squad(args.path)
    app = DocChat(eval_settings(settings, "squad"))
    added = build_library(app, paragraphs, lambda items: tqdm(items, desc="building the eval library",
                                                                unit="batch", file=sys.stderr, disable=None))
    if added:
        print(f"eval library: {len(paragraphs)} paragraphs in {app.settings.data_dir}", file=sys.stderr)
    if args.kind == "answers":
        from core.eval.answers import run_answers

        return run_answers(args, app, paragraphs, questions)
    mode = settings.retriever if args.retriever == "default" else args.retriever
    retrieval = app.retrieval(mode)
    report = evaluate(mode if args.retriever != "default" else f"default ({mode})", questions, paragraphs,
                      retrieval.search,
                      lambda items: tqdm(items, desc=f"asking ({mode})", unit="q", file=sys.stderr, disable=None))
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(f"{report.retriever}: {report.questions} questions, hit@1 {report.hit_at_1:.3f}, "
              f"hit@5 {report.hit_at_5:.3f}, MRR@10 {report.mrr_at_10:.3f}, {report.seconds:.0f} s "
              f"(embeddings: {settings.embedding_model})")
    return 0
