"""An answer's first token with and without a big document embedding in the background (issue 20).

Goal: time to first token while embedding <= 1.2x idle.

A temp library (default settings, ``Settings(data_dir=...)``) gets the attention paper the usual way
(embedded before its commit), then a PDF of N pages of War and Peace (bench/big_pdf.py's, default 120)
keyword-first (``Upload(..., defer_vectors=True)``), whose vectors are left waiting. The default model
(``DocChat.llm()``, generation capped at ``--max-tokens``) answers bench/answer.py's three questions
through ``DocChat.engine(llm, scope=the paper)``, so every condition gets the same passages, after one
warm-up question that is not counted. Each question is asked under three conditions, their order
reversed on every other question (so drift in the machine's load spreads over all three):

- idle: no embedder runs (the novel's chunks still wait);
- embedding: ``core.ingest.background.Embedder(lambda stop: app.embed_pending(stop=stop))`` poked, and
  the question asked once its first slice has landed; it steps aside between slices while the model
  generates (``core.llms.loaded.generating``);
- embedding, no pause: the same with ``should_wait=lambda: False``: the control, what the pause buys.

An embedding condition checks ``app.pending()`` is non-empty before the question and after it, and
counts the chunks the embedder finished while the question was retrieved (question to sources), while
the prompt was read (sources to first token) and while the answer was written (first token to last).
ttft and tok/s are measured as bench/answer.py does (from the question; non-empty streamed pieces).
llama.cpp reuses the longest prefix its last prompt shares with the next one, and one question asked
three times in a row would read its passages only once; so before each timed question the model's state
is put back to where the warm-up question left it (``Llama.save_state``/``load_state``): every ask pays
what a new question pays in the app, everything after the fixed system prompt.

    .venv/bin/python -m bench.answer_while_embedding [--pages 120] [--rounds 1] [--max-tokens 32]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import PAPER, loadavg, median, now, table, write_result
from bench.answer import QUESTIONS, stream_stats, warm_page_cache
from core.ingest.background import SLICE, Embedder
from core.ingest.records import Upload
from core.llms.loaded import LoadedLLM
from core.llms.registry import find_option
from core.service import DocChat
from core.settings import Settings
from core.store.scope import Scope

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from core.chat.engine import ChatEngine

PAGES = 120
MAX_TOKENS = 32  # the first token does not depend on it; at ~1-2 tok/s here a longer answer only costs minutes
IDLE, PAUSING, NO_PAUSE = "idle", "embedding", "embedding, no pause"
CONDITIONS = (IDLE, PAUSING, NO_PAUSE)
WARMUP_QUESTION = "What is the Transformer?"
TTFT_RATIO_GOAL = 1.2
FIRST_SLICE_TIMEOUT_S = 300.0


@dataclass
class Counter:
    """The embedder's progress as ``embed_pending`` reports it (chunks done in this run, per slice)."""

    done: int = 0
    total: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, done: int, total: int) -> None:
        with self.lock:
            self.done, self.total = done, total

    def now(self) -> int:
        with self.lock:
            return self.done


def start_embedder(app: DocChat, pause: bool) -> tuple[Embedder, Counter]:
    """The app's background embedder, running: returns once its first slice has landed."""
    counter = Counter()
    wait: Callable[[], bool] | None = None if pause else (lambda: False)
    embedder = Embedder(lambda stop: app.embed_pending(counter, should_wait=wait, stop=stop))
    embedder.poke()
    deadline = time.monotonic() + FIRST_SLICE_TIMEOUT_S
    while counter.now() < SLICE:
        if embedder.failure:
            raise SystemExit(f"the embedder failed: {embedder.failure}")
        if time.monotonic() > deadline:
            embedder.close()
            raise SystemExit(f"the embedder did not finish a slice in {FIRST_SLICE_TIMEOUT_S:.0f} s")
        time.sleep(0.05)
    return embedder, counter


def ask(engine: ChatEngine, question: str, counter: Counter | None = None) -> dict[str, Any]:
    """One question, streamed to its end; with ``counter``, the chunks embedded in each phase."""
    progress = counter.now if counter else (lambda: 0)
    marks = [progress()]
    started = now()
    answer = engine.answer(question)
    sources_s = now() - started
    marks.append(progress())

    def watched(pieces: Iterable[str]) -> Iterator[str]:
        for piece in pieces:
            if piece and len(marks) == 2:
                marks.append(progress())
            yield piece

    stats = stream_stats(started, watched(answer.tokens))
    marks += [progress()] * (4 - len(marks))  # no piece at all: the phases after it embedded nothing
    stats["sources_s"] = sources_s
    stats["chunks"] = {"retrieval": marks[1] - marks[0], "prompt": marks[2] - marks[1],
                       "generation": marks[3] - marks[2], "total": marks[3] - marks[0]}
    return stats


class PromptCache:
    """The llama.cpp model's state after the warm-up question, put back before each timed question (other
    backends: nothing to do)."""

    def __init__(self, llm: LoadedLLM) -> None:
        self.client: Any = getattr(llm.runnable, "client", None)
        self.state: Any = None

    def remember(self) -> None:
        if hasattr(self.client, "save_state"):
            self.state = self.client.save_state()

    def restore(self) -> None:
        if self.state is not None:
            self.client.load_state(self.state)


def ask_in(app: DocChat, engine: ChatEngine, question: str, condition: str) -> dict[str, Any]:
    if condition == IDLE:
        return ask(engine, question)
    embedder, counter = start_embedder(app, pause=condition == PAUSING)
    try:
        before = app.pending()
        if not before:
            raise SystemExit("nothing left to embed: use more --pages")
        stats = ask(engine, question, counter)
        stats["pending_before"] = sum(waiting for waiting, _ in before.values())
        stats["pending_after"] = sum(waiting for waiting, _ in app.pending().values())
    finally:
        embedder.close()
        while app.embedding_elsewhere():  # close() waits 15 s at most; a slice on a busy machine may take longer
            time.sleep(0.1)
    if embedder.failure:
        raise SystemExit(f"the embedder failed: {embedder.failure}")
    if not stats["pending_after"]:
        raise SystemExit("the embedder ran out of chunks during the question: use more --pages")
    return stats


def run_questions(app: DocChat, llm: LoadedLLM, scope: Scope, questions: Sequence[str] = QUESTIONS,
                  rounds: int = 1, conditions: Sequence[str] = CONDITIONS) -> list[dict[str, Any]]:
    """Every question under every condition (order reversed on every other ask); one record each."""
    engine = app.engine(llm, scope=scope)
    ask(engine, WARMUP_QUESTION)  # the model's first prompt pays for its warm-up: not counted
    cache = PromptCache(llm)
    cache.remember()
    records = []
    for r in range(rounds):
        for n, question in enumerate(questions):
            order = list(conditions) if (r * len(questions) + n) % 2 == 0 else list(reversed(conditions))
            for condition in order:
                cache.restore()
                stats = ask_in(app, engine, question, condition)
                records.append({"round": r + 1, "question": question, "condition": condition, **stats})
                pending = f", {stats['chunks']['total']} chunks embedded" if condition != IDLE else ""
                print(f"  q{n + 1} {condition}: ttft {stats['ttft_s']:.2f} s (sources {stats['sources_s']:.2f} s), "
                      f"{stats['tokens']} tok at {stats['tokens_per_s']:.1f} tok/s{pending}", flush=True)
    return records


def build_library(data_dir: Path, pages: int, embeddings: Embeddings | None = None,
                  big: tuple[str, bytes] | None = None, paper: Path = PAPER,
                  settings: Settings | None = None) -> tuple[DocChat, Scope, dict[str, Any]]:
    """The paper embedded as usual, the big document waiting for its vectors; the scope of the paper.
    ``embeddings``, ``big``, ``paper`` and ``settings`` stand in for the real ones in tests."""
    from bench.big_pdf import make_pdf

    app = DocChat((settings or Settings()).replace(data_dir=data_dir), embeddings)
    started = now()
    [ingested] = app.ingest_paths([paper])
    paper_s = now() - started
    if not ingested.ok:
        raise SystemExit(f"ingest failed: {ingested.message}")
    name, data = big or (f"war-and-peace-{pages}p.pdf", make_pdf(pages).data)
    started = now()
    [deferred] = list(app.ingest_uploads([Upload(name, data, defer_vectors=True)]))
    deferred_s = now() - started
    if not deferred.ok:
        raise SystemExit(f"ingest failed: {deferred.message}")
    about = {"paper": paper.name, "paper_chunks": ingested.chunks, "paper_ingest_s": paper_s,
             "big": name, "big_pages": deferred.pages, "big_chunks": deferred.chunks, "big_ingest_s": deferred_s}
    return app, Scope.of(documents=[ingested.sha256]), about


def summary(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per condition: medians of ttft, sources and tok/s, ttft against idle, chunks embedded meanwhile."""
    idle = median([r["ttft_s"] for r in records if r["condition"] == IDLE])
    rows = []
    for condition in CONDITIONS:
        mine = [r for r in records if r["condition"] == condition]
        if not mine:
            continue
        ttft = median([r["ttft_s"] for r in mine])
        chunks = {phase: sum(r["chunks"][phase] for r in mine) for phase in ("retrieval", "prompt", "generation")}
        rows.append({"condition": condition, "asks": len(mine), "ttft_s": ttft,
                     "ttft_over_idle": ttft / idle if idle else 0.0,
                     "sources_s": median([r["sources_s"] for r in mine]),
                     "tokens_per_s": median([r["tokens_per_s"] for r in mine]),
                     "total_s": median([r["total_s"] for r in mine]),
                     "chunks_embedded": sum(chunks.values()), "chunks_by_phase": chunks})
    return rows


def report(rows: list[dict[str, Any]], records: list[dict[str, Any]]) -> str:
    headers = ["condition", "asks", "ttft s (median)", "x idle", "sources s", "tok/s", "answer s",
               "chunks embedded (retrieval/prompt/generation)"]
    body = [[r["condition"], r["asks"], r["ttft_s"], r["ttft_over_idle"], r["sources_s"], r["tokens_per_s"],
             r["total_s"], f"{r['chunks_embedded']} ({'/'.join(str(v) for v in r['chunks_by_phase'].values())})"]
            for r in rows]
    per_question = [[r["question"][:40], r["condition"], r["ttft_s"], r["sources_s"], r["tokens_per_s"],
                     r["chunks"]["total"] if r["condition"] != IDLE else "-"] for r in records]
    paused = next((r for r in rows if r["condition"] == PAUSING), None)
    verdict = "" if paused is None else (
        f"\nttft while embedding / idle = {paused['ttft_over_idle']:.2f} "
        f"(goal <= {TTFT_RATIO_GOAL}: {'met' if paused['ttft_over_idle'] <= TTFT_RATIO_GOAL else 'NOT met'})")
    return (table(headers, body) + "\n" + table(["question", "condition", "ttft s", "sources s", "tok/s", "chunks"],
                                                per_question) + verdict)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_while_embedding",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=PAGES, help=f"pages of the document left to embed ({PAGES})")
    parser.add_argument("--rounds", type=int, default=1, help="times each question is asked per condition (1)")
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS,
                        help=f"answer length cap (default {MAX_TOKENS}; the first token does not depend on it)")
    args = parser.parse_args(argv)
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="bench-answer-embedding-") as tmp:
        app, scope, about = build_library(Path(tmp) / "data", args.pages)
        print(f"library: {about}", flush=True)
        if (path := find_option(app.settings.llm, app.settings).path) is not None:
            warm_page_cache(path)
        started = now()
        llm = app.llm(max_tokens=args.max_tokens)
        load_s = now() - started
        records = run_questions(app, llm, scope, rounds=args.rounds)
    rows = summary(records)
    print(report(rows, records))
    print(f"model {llm.name}, load {load_s:.1f} s, max_tokens {args.max_tokens}; "
          f"load average (1 min): {load_before} before, {loadavg()} after")
    out = write_result("answer_while_embedding", {
        "model": llm.name, "max_tokens": args.max_tokens, "library": about, "rounds": args.rounds,
        "questions": QUESTIONS, "records": records, "summary": rows, "llm_load_s": load_s,
        "goal_ttft_over_idle": TTFT_RATIO_GOAL, "loadavg_1m_before": load_before})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
