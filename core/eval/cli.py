"""``python -m core eval``: the eval commands, kept out of core/cli.py to keep that one short."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from core.settings import Settings


def add_eval_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluate = sub.add_parser("eval", help="measure retrieval (squad, mixed, feedback) or answers (answers)")
    evaluate.add_argument("kind", choices=["squad", "answers", "mixed", "feedback"])
    evaluate.add_argument("path", type=Path, metavar="PATH", nargs="?",
                          help="a file in SQuAD's format (SQuAD v1.1 dev-v1.1.json, KorQuAD_v1.0_dev.json); "
                          "for mixed, the cases file (tests/data/mixed_eval.json); "
                          "for feedback, where to write the cases made of the Chat page's thumbs (optional)")
    evaluate.add_argument("--corpus", type=Path,
                          help="mixed: folder holding the files the cases name (default: setting corpus_dir, "
                          "../shared/corpus)")
    evaluate.add_argument("--retriever", default="default",
                          choices=["vector", "keyword", "hybrid", "hybrid+rerank", "default"])
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--name", metavar="NAME",
                          help="squad, answers: what reports call the data set (default: from the file's "
                          "\"version\", e.g. \"SQuAD v1.1\" or \"KorQuAD v1.0 dev\", else the file name)")
    evaluate.add_argument("--questions", type=int, help="answers: how many sampled questions (default 200)")
    evaluate.add_argument("--llm", metavar="NAME", help="answers: model name from `models`")
    evaluate.add_argument("--k", type=int, help="answers: passages per question (default: setting k)")
    evaluate.add_argument("--verbose", action="store_true", help="answers: print each answer to stderr")
    evaluate.add_argument("--record", type=Path, metavar="FILE",
                          help="answers: append each answer with its passages to FILE (JSON lines)")
    evaluate.add_argument("--removed", action="store_true",
                          help="answers: ask again with each question's paragraph deleted (refusal expected)")
    evaluate.add_argument("--resume", action="store_true",
                          help="answers: with --record, score the answers FILE already holds instead of asking "
                          "them again, and ask only the rest")


def eval_settings(settings: Settings, kind: str) -> Settings:
    """Eval libraries live beside the user's, one per embedding model (and with or without
    sentence vectors), and are reused."""
    from core.embeddings import canonical_name

    model = canonical_name(settings.embedding_model).replace("/", "_")
    sentences = "+sentences" if settings.sentence_vectors else ""
    # An eval library is scratch on this machine, never the team's PostgreSQL library.
    return settings.replace(data_dir=settings.data_dir / "eval" / f"{kind}-{model}{sentences}", database_url="")


def library_kind(path: Path) -> str:
    """SQuAD's dev set keeps its library "squad"; another set in its format (KorQuAD) gets its own, named
    by its file: sharing one would put both sets' paragraphs in one library and change both evals."""
    return "squad" if path.name == "dev-v1.1.json" else re.sub(r"[^a-z0-9.]+", "-", path.stem.lower())


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from core.eval.squad import build_library, dataset_name, evaluate, load_squad
    from core.service import DocChat

    if args.kind == "feedback":
        return run_feedback_eval(args, settings)
    if args.path is None or not args.path.is_file():
        print(f"error: {args.path or 'PATH'} not found", file=sys.stderr)
        return 2
    if args.kind == "mixed":
        return run_mixed_eval(args, settings)
    paragraphs, questions = load_squad(args.path)
    dataset = getattr(args, "name", None) or dataset_name(args.path)
    if getattr(args, "k", None):
        settings = settings.replace(k=args.k)
    app = DocChat(eval_settings(settings, library_kind(args.path)))
    added = build_library(app, paragraphs, lambda items: tqdm(items, desc="building the eval library",
                                                                unit="batch", file=sys.stderr, disable=None))
    if added:
        print(f"eval library: {len(paragraphs)} paragraphs in {app.settings.data_dir}", file=sys.stderr)
    if args.kind == "answers":
        from core.eval.answers import run_answers

        return run_answers(args, app, paragraphs, questions, dataset)
    mode = _mode(args, settings)
    retrieval = app.retrieval(mode)
    report = evaluate(mode if args.retriever != "default" else f"default ({mode})", questions, paragraphs,
                      retrieval.search,
                      lambda items: tqdm(items, desc=f"asking ({mode})", unit="q", file=sys.stderr, disable=None),
                      dataset)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print(f"{report.retriever}: {report.questions} questions, hit@1 {report.hit_at_1:.3f}, "
              f"hit@5 {report.hit_at_5:.3f}, MRR@10 {report.mrr_at_10:.3f}, {report.seconds:.0f} s "
              f"(embeddings: {settings.embedding_model}), data set {report.dataset}")
    return 0


def _mode(args: argparse.Namespace, settings: Settings) -> str:
    return settings.retriever if args.retriever == "default" else args.retriever


def run_mixed_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Ingest the files the cases name (once per embedding model) and score retrieval on them."""
    from core.eval.mixed import corpus_files, load_cases, run_mixed
    from core.service import DocChat

    cases = load_cases(args.path)
    corpus = args.corpus or settings.corpus_dir
    found = [next(iter(corpus.glob(f"**/{name}")), None) for name in corpus_files(cases)]
    paths = [path for path in found if path is not None]
    if len(paths) < len(found):
        print(f"error: not every file the cases name is under {corpus}", file=sys.stderr)
        return 2
    app = DocChat(eval_settings(settings, "mixed"))
    failed = [r.line() for r in app.ingest_paths(paths) if not r.ok]
    if failed:
        print("error: " + "; ".join(failed), file=sys.stderr)
        return 1
    mode = _mode(args, settings)
    report = run_mixed(cases, app.retrieval(mode).search, k=10)
    if args.json:
        print(json.dumps({"retriever": mode, **report.to_json()}, ensure_ascii=False))
    else:
        langs = ", ".join(f"{lang} {value:.2f}" for lang, value in report.by_language.items())
        print(f"{mode}: {report.questions} questions, hit@1 {report.hit_at_1:.3f}, hit@5 {report.hit_at_5:.3f}, "
              f"MRR@10 {report.mrr_at_10:.3f}; hit@5 by language: {langs} (embeddings: {settings.embedding_model})")
        for pair, scores in report.by_pair.items():
            print(f"  {pair}: {scores.questions} questions, hit@1 {scores.hit_at_1:.3f}, hit@5 {scores.hit_at_5:.3f}, "
                  f"MRR@10 {scores.mrr_at_10:.3f}")
        for case in report.missed_at_5:
            print(f"  missed@5 [{case.language}] {case.question} -> {case.file} p.{case.page}")
    return 0


def run_feedback_eval(args: argparse.Namespace, settings: Settings) -> int:
    """The user's own library, asked again the questions whose answers they marked (core/eval/feedback.py)."""
    from dataclasses import asdict

    from core.eval.feedback import feedback_cases, run_feedback
    from core.service import DocChat

    app = DocChat(settings)
    cases, disliked = feedback_cases(app)
    if args.path is not None:
        args.path.write_text(json.dumps({"cases": [asdict(c) for c in cases]}, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    report: dict[str, Any] = run_feedback(app, cases) if cases else {"cases": 0, "lost": []}
    report["disliked"] = [asdict(d) for d in disliked]
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    if not cases:
        print("no answer is marked with a thumbs up yet (Chat page, under each answer)")
    else:
        print(f"{len(cases)} confirmed answers asked again: hit@1 {report['hit@1']:.3f}, hit@5 {report['hit@5']:.3f}, "
              f"MRR@10 {report['mrr@10']:.3f}")
        for lost in report["lost"]:
            print(f"  lost: {lost['question']!r} (expected {lost['source']}, now rank {lost['rank'] or '>10'})")
    for d in disliked:
        print(f"  thumbs down: {d.question!r}" + (f" — {d.comment}" if d.comment else ""))
    return 0
