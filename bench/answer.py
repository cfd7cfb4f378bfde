"""Answer latency: our chat engine vs the raw runtime on the same prompt, per backend.

The attention paper is ingested into a temp library. For each question the app path is
``DocChat.engine(load_llm(name)).answer(q)`` then iterating ``answer.tokens``; the raw path sends
the very same messages (the app's prompt filled with the app's retrieved passages) straight
to the runtime: ``Llama.create_chat_completion(stream=True)`` built with the app's constructor
settings, or gpt4all's ``chat_session`` + ``generate(streaming=True)``. Sampling settings match.

"Tokens" are streamed non-empty text chunks (about one per model token; the gpt4all backend may
merge a held-back "<" piece into the next chunk). ttft: app from the question (retrieval
included), raw from the runtime call. tok/s: (chunks - 1) / (last chunk - first chunk).
Ratios are raw/app for times and app/raw for rates, so 1.0 = parity, lower = app slower.

    .venv/bin/python -m bench.answer [--backend llama.cpp|gpt4all]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import PAPER, loadavg, median, now, table, write_result
from core.chat.engine import ChatEngine, format_context
from core.chat.prompts import ANSWER_PROMPT
from core.llms.model_files import DEFAULT_GGUF
from core.llms.registry import find_option, load_llm
from core.service import DocChat
from core.settings import Settings

QUESTIONS = [
    "How many layers does the encoder have?",
    "How does multi-head attention work? Explain it step by step.",
    "How was the Transformer trained: data, hardware, schedule, optimizer and regularization?",
]
BACKENDS = ["llama.cpp", "gpt4all"]
STEM = Path(DEFAULT_GGUF).stem
TTFT_GOAL_S, SOURCES_GOAL_S = 8.0, 1.0


def warm_page_cache(path: Path) -> None:
    """Read the GGUF once so neither side pays for the first disk read of the weights."""
    with open(path, "rb") as handle:
        while handle.read(16 << 20):
            pass


def stream_stats(started: float, pieces: Iterable[str]) -> dict[str, Any]:
    count, first, last, text = 0, None, started, []
    for piece in pieces:
        if not piece:
            continue
        last = now()
        first = first if first is not None else last
        count += 1
        text.append(piece)
    first = first if first is not None else last
    rate = (count - 1) / (last - first) if count > 1 and last > first else 0.0
    return {"ttft_s": first - started, "tokens": count, "tokens_per_s": rate, "total_s": last - started,
            "text": "".join(text).strip()[:200], "reply": "".join(text)}


@cache
def _vocab(model_path: str) -> Any:
    from llama_cpp import Llama

    return Llama(model_path, vocab_only=True, verbose=False)


def prompt_tokens(model_path: Path, messages: list[dict[str, str]]) -> int:
    """Tokens in the messages' text (chat-template tokens not counted), with the GGUF's tokenizer."""
    text = "\n".join(m["content"] for m in messages)
    return len(_vocab(str(model_path)).tokenize(text.encode("utf-8"), add_bos=False))


def prompt_messages(answer_sources: list, question: str) -> list[dict[str, str]]:
    roles = {"system": "system", "human": "user"}
    messages = ANSWER_PROMPT.format_messages(context=format_context(answer_sources), question=question)
    return [{"role": roles[m.type], "content": str(m.content)} for m in messages]


class RawLlamaCpp:
    """llama_cpp.Llama with the constructor and sampling settings the app's ChatLlamaCpp uses."""

    def __init__(self, app_runnable: Any) -> None:
        from llama_cpp import Llama

        self.app = app_runnable
        self.llm = Llama(app_runnable.model_path, n_ctx=app_runnable.n_ctx, n_threads=app_runnable.n_threads,
                         n_batch=app_runnable.n_batch, verbose=False, **app_runnable.model_kwargs)

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        a = self.app
        for chunk in self.llm.create_chat_completion(
            messages, stream=True, max_tokens=a.max_tokens, temperature=a.temperature, top_p=a.top_p,
            top_k=a.top_k, repeat_penalty=a.repeat_penalty,
        ):
            yield chunk["choices"][0]["delta"].get("content") or ""


class RawGPT4All:
    """gpt4all.GPT4All with the app's settings and the same ChatML template and system prompt."""

    def __init__(self, app_runnable: Any) -> None:
        from gpt4all import GPT4All

        self.app = app_runnable
        path = Path(app_runnable.model_file)
        self.model = GPT4All(model_name=path.name, model_path=str(path.parent), allow_download=False, device="cpu",
                             n_threads=app_runnable.threads, n_ctx=app_runnable.context_size, verbose=False)

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        from core.llms.gpt4all_backend import CHATML_SYSTEM, CHATML_TURN, PROMPT_BATCH, STOP_MARKERS

        system = "\n".join(m["content"] for m in messages if m["role"] == "system")
        user = "\n\n".join(m["content"] for m in messages if m["role"] != "system")
        with self.model.chat_session(system_prompt=CHATML_SYSTEM.format(system), prompt_template=CHATML_TURN):
            for token in self.model.generate(user, max_tokens=self.app.max_tokens, temp=self.app.temperature,
                                             n_batch=PROMPT_BATCH, streaming=True):
                if any(marker in token for marker in STOP_MARKERS):
                    break
                yield token


def brief(stats: dict[str, Any]) -> str:
    return f"ttft {stats['ttft_s']:.2f} s, {stats['tokens']} tok at {stats['tokens_per_s']:.1f} tok/s"


def ask_app(engine: ChatEngine, question: str) -> tuple[dict[str, Any], list]:
    started = now()
    answer = engine.answer(question)
    sources_s = now() - started
    stats = stream_stats(started, answer.tokens)
    stats["sources_s"] = sources_s
    return stats, answer.sources


def ask_raw(raw: RawLlamaCpp | RawGPT4All, messages: list[dict[str, str]]) -> dict[str, Any]:
    started = now()
    return stream_stats(started, raw.stream(messages))


def bench_backend(app: DocChat, backend: str) -> dict[str, Any]:
    name = f"{backend}:{STEM}"
    model_path = find_option(name, app.settings).path
    warm_page_cache(model_path)
    started = now()
    llm = load_llm(name, app.settings)
    app_load_s = now() - started
    started = now()
    raw = (RawLlamaCpp if backend == "llama.cpp" else RawGPT4All)(llm.runnable)
    raw_load_s = now() - started
    engine = app.engine(llm)
    runs = []
    for n, question in enumerate(QUESTIONS):
        # the app goes first on even questions and second on odd ones, so order effects cancel out
        if n % 2 == 0:
            app_stats, sources = ask_app(engine, question)
            messages = prompt_messages(sources, question)
            raw_stats = ask_raw(raw, messages)
        else:
            messages = prompt_messages(app.retrieve(question).hits, question)
            raw_stats = ask_raw(raw, messages)
            app_stats, _ = ask_app(engine, question)
        tokens = prompt_tokens(model_path, messages)
        runs.append({"question": question, "prompt_tokens": tokens, "app": app_stats, "raw": raw_stats})
        print(f"  {name} q{n + 1} ({tokens} prompt tokens): app {brief(app_stats)} | raw {brief(raw_stats)}",
              flush=True)
    del raw
    return {"name": name, "app_load_s": app_load_s, "raw_load_s": raw_load_s, "runs": runs}


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    rows = []
    groups = {"first question": result["runs"][:1], "later (median)": result["runs"][1:]}
    for label, runs in groups.items():
        if not runs:
            continue

        def med(side: str, key: str, group: list[dict] = runs) -> float:
            return median([r[side][key] for r in group])

        app_ttft, raw_ttft = med("app", "ttft_s"), med("raw", "ttft_s")
        app_tps, raw_tps = med("app", "tokens_per_s"), med("raw", "tokens_per_s")
        rows.append([result["name"], label, med("app", "sources_s"), app_ttft, raw_ttft, raw_ttft / app_ttft,
                     app_tps, raw_tps, app_tps / raw_tps if raw_tps else 0.0])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.answer", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, action="append",
                        help="runtime to measure (repeatable; default: both)")
    args = parser.parse_args(argv)
    load_before = loadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-answer-") as tmp:
        app = DocChat(Settings(data_dir=Path(tmp)))
        [ingested] = app.ingest_paths([PAPER])
        if not ingested.ok:
            raise SystemExit(f"ingest failed: {ingested.message}")
        for backend in args.backend or BACKENDS:
            results.append(bench_backend(app, backend))
    headers = ["model", "question", "sources s", "app ttft s", "raw ttft s", "ttft ratio",
               "app tok/s", "raw tok/s", "tok/s ratio"]
    rows = [row for result in results for row in summary_rows(result)]
    print(table(headers, rows))
    loads = [[r["name"], r["app_load_s"], r["raw_load_s"]] for r in results]
    print(table(["model", "app load s", "raw load s"], loads))
    print(f"goals: sources < {SOURCES_GOAL_S} s, first token < {TTFT_GOAL_S} s; "
          f"load average (1 min): {load_before} before, {loadavg()} after")
    out = write_result("answer", {"questions": QUESTIONS, "document": PAPER.name, "results": results,
                                  "summary": [dict(zip(headers, row, strict=True)) for row in rows],
                                  "loadavg_1m_before": load_before})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
