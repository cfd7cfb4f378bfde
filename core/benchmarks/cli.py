"""``python -m core bench``: its arguments and output, kept out of core/cli.py to keep that one short.
Only argparse is imported here; the benchmarks import their libraries when they run."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from core.settings import Settings


def add_bench_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = sub.add_parser("bench", help="time retrieval at N chunks against raw faiss (or pgvector) + encode "
                           "(JSON or a table)")
    bench.add_argument("kind", choices=["retrieval", "index"],
                       help="retrieval: the product's search, stage by stage; index: flat vs IVF at --sizes")
    bench.add_argument("--chunks", type=int, default=1000, help="library size in chunks (built once, then reused)")
    bench.add_argument("--queries", type=int, default=200, help="questions asked (default 200)")
    bench.add_argument("--model", metavar="NAME", help="embedding model (default: setting embedding_model)")
    bench.add_argument("--corpus", type=Path,
                       help="folder with other/war-and-peace….txt and other/doj-chapter13….docx "
                       "(default: setting corpus_dir, ../shared/corpus)")
    bench.add_argument("--real", type=int, metavar="N",
                       help="embed at most N real passages; the rest are noisy copies (default: all, ~8k)")
    bench.add_argument("--sizes", default="100000,150000,250000,500000,1000000",
                       help="index: vector counts, comma-separated, grown from the --chunks library")
    bench.add_argument("--database-url", metavar="URL",
                       help="retrieval on PostgreSQL + pgvector: the bench library is built in this database "
                       "(one of its own: a database holding another library is refused); never the setting's")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)  # the child that builds


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    bar = tqdm(total=100, unit="%", file=sys.stderr, disable=None, leave=False)

    def progress(what: str, done: float) -> None:
        bar.set_description(what)
        bar.update(round(done * 100) - bar.n)

    args.corpus = args.corpus or settings.corpus_dir
    if args.chunks < 1:
        print("--chunks must be at least 1", file=sys.stderr)
        return 2
    if args.database_url and args.kind != "retrieval":
        print("--database-url is for bench retrieval", file=sys.stderr)
        return 2
    from core.benchmarks.postgres_bench import NotABenchDatabase

    try:
        with bar:
            result = _run(args, settings, progress)
    except NotABenchDatabase as error:
        print(error, file=sys.stderr)
        return 2
    if result is not None:  # None: the child that builds
        print(json.dumps(result, ensure_ascii=False) if args.json else summary(result))
    return 0


def _run(args: argparse.Namespace, settings: Settings, progress: Callable[[str, float], None]) -> dict | None:
    if args.build_only:
        if args.database_url:
            from core.benchmarks.postgres_bench import prepare as prepare_postgres

            prepare_postgres(settings, args.database_url, args.chunks, args.model, args.corpus, in_process=True,
                             progress=progress, real_cap=args.real)
        else:
            from core.benchmarks.retrieval import prepare

            prepare(settings, args.chunks, args.model, args.corpus, in_process=True, progress=progress,
                    real_cap=args.real)
        return None
    if args.kind == "index":
        from core.benchmarks.index_choice import run as run_index

        return run_index(settings, [int(n) for n in args.sizes.split(",")], args.chunks, min(args.queries, 1000),
                   args.model, args.corpus, real_cap=args.real)
    if args.database_url:
        from core.benchmarks.postgres_bench import run as run_postgres

        return run_postgres(settings, args.database_url, args.chunks, args.queries, args.model, args.corpus,
                            progress=progress, real_cap=args.real)
    from core.benchmarks.retrieval import run as run_retrieval

    return run_retrieval(settings, args.chunks, args.queries, args.model, args.corpus, progress=progress,
                         real_cap=args.real)


def summary(result: dict) -> str:
    if result.get("store") == "postgres":
        from core.benchmarks.postgres_bench import summary as postgres_summary

        return postgres_summary(result)
    if result["bench"] == "index":
        lines = [f"flat vs IVF ({result['embedding_model']}, {result['queries']} queries)"]
        for size in result["sizes"]:
            best = ", ".join(f"nprobe {r['nprobe']}: {r['p95_ms']} ms, recall@10 {r['recall_at_10']}"
                             for r in size["ivf"])
            lines.append(f"{size['vectors']:>9} vectors: flat p95 {size['flat']['p95_ms']} ms; IVF "
                         f"(nlist {size['nlist']}, built in {size['ivf_build_seconds']} s) {best}")
        return "\n".join(lines)
    stages = ", ".join(f"{name} {value['p50_ms']}/{value['p95_ms']}" for name, value in result["stages"].items()
                       if isinstance(value, dict))
    memory = result["memory"]
    return "\n".join([
        f"{result['chunks']} chunks ({result['retriever']}, {result['embedding_model']}, index "
        f"{result['index']['type']}): p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms; raw faiss + encode "
        f"p95 {result['raw_p95_ms']} ms (ratio {result['ratio_p95']})",
        f"stages p50/p95 ms: {stages}",
        f"peak RSS {memory['rss_peak_mib']} MiB vs data {memory['data_mib']} MiB (vectors {memory['vectors_mib']}, "
        f"text {memory['text_mib']}); {memory['rss_before_library_mib']} MiB before the library was opened",
        f"library {result['library']['path']} ({'reused' if result['library']['reused'] else 'built'}; "
        f"{result['library']['synthetic']})",
    ])
