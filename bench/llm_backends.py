"""In-process model backends through the app (LangChain) vs the same runtime called directly.

One fixed prompt: the app's answer prompt filled with the 5 passages the app retrieves from the
attention paper for one question (retrieved once, in this process). Each backend then runs in its
own subprocess, so its peak resident memory (``ru_maxrss``) is its own: it loads the model through
``load_llm`` and streams the prompt alternately through the app's runnable
(``ANSWER_PROMPT | runnable | StrOutputParser``) and through the raw runtime on the very same loaded
weights (``Llama.create_chat_completion``, gpt4all ``chat_session`` + ``generate``, transformers
``model.generate`` with a ``TextIteratorStreamer``). Greedy decoding (temperature 0) on both sides;
llama.cpp's KV cache is reset before every run so no run reuses another's prompt.

ttft: seconds from the call to the first non-empty chunk. tok/s: (chunks - 1) / (last - first).
Ratios are app/raw for tok/s and raw/app for ttft, so 1.0 = parity, lower = the app is slower.

    .venv/bin/python -m bench.llm_backends [--runs 2] [--max-tokens 64] [--backend NAME ...]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from threading import Thread
from typing import Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import PAPER, loadavg, median, now, table, write_result
from core.settings import Settings

QUESTION = "How does multi-head attention work? Explain it step by step."
K = 5
DEFAULT = "qwen2.5-coder-1.5b-instruct-q4_k_m"
SMOL = "smollm2-135m-instruct.q4_1"
# gpt4all cannot load SmolLM2, and transformers dequantises the 1.5B default to ~6 GB of float32 at a
# few tokens/s: the same-file comparisons are llama.cpp vs gpt4all on the default, llama.cpp vs
# transformers on SmolLM2.
BACKENDS = [f"llama.cpp:{DEFAULT}", f"gpt4all:{DEFAULT}", f"llama.cpp:{SMOL}", f"transformers:{SMOL}"]
GOAL = 0.9


def stats(started: float, pieces: Iterator[str]) -> dict[str, Any]:
    count, first, last = 0, None, started
    for piece in pieces:
        if not piece:
            continue
        last = now()
        first = first if first is not None else last
        count += 1
    first = first if first is not None else last
    rate = (count - 1) / (last - first) if count > 1 and last > first else 0.0
    return {"ttft_s": first - started, "tokens": count, "tokens_per_s": rate}


def raw_stream(runtime: str, runnable: Any, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
    """The runtime's own streaming call on the weights the app loaded, without LangChain."""
    if runtime == "llama.cpp":
        for chunk in runnable.client.create_chat_completion(messages, stream=True, max_tokens=max_tokens,
                                                            temperature=0.0, top_p=runnable.top_p,
                                                            top_k=runnable.top_k,
                                                            repeat_penalty=runnable.repeat_penalty):
            yield chunk["choices"][0]["delta"].get("content") or ""
    elif runtime == "gpt4all":
        from core.llms.gpt4all_backend import CHATML_SYSTEM, CHATML_TURN, PROMPT_BATCH, STOP_MARKERS

        model = runnable.load()
        system = "\n".join(m["content"] for m in messages if m["role"] == "system")
        user = "\n\n".join(m["content"] for m in messages if m["role"] != "system")
        with model.chat_session(system_prompt=CHATML_SYSTEM.format(system), prompt_template=CHATML_TURN):
            for token in model.generate(user, max_tokens=max_tokens, temp=0.0, n_batch=PROMPT_BATCH, streaming=True):
                if any(marker in token for marker in STOP_MARKERS):
                    break
                yield token
    else:
        from transformers import TextIteratorStreamer

        pipeline = runnable.bound.llm.pipeline
        inputs = pipeline.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                                        return_dict=True)
        streamer = TextIteratorStreamer(pipeline.tokenizer, skip_prompt=True, skip_special_tokens=True)
        worker = Thread(target=pipeline.model.generate,
                        kwargs={**inputs, "max_new_tokens": max_tokens, "do_sample": False, "streamer": streamer})
        worker.start()
        yield from streamer
        worker.join()


def worker(name: str, prompt_file: Path, runs: int, max_tokens: int) -> dict[str, Any]:
    """One backend, in this process: load, then alternate app and raw runs (app first on even runs)."""
    from langchain_core.output_parsers import StrOutputParser

    from core.chat.prompts import ANSWER_PROMPT
    from core.llms.registry import load_llm

    prompt = json.loads(prompt_file.read_text(encoding="utf-8"))
    settings = Settings(temperature=0.0, max_tokens=max_tokens, ollama_url="")
    started = now()
    loaded = load_llm(name, settings)
    load_s = now() - started
    runtime = name.partition(":")[0]
    model = loaded.runnable
    chain = ANSWER_PROMPT | model | StrOutputParser()

    def reset() -> None:
        if runtime == "llama.cpp":
            model.client.reset()  # no run starts with another run's prompt in the KV cache

    def app() -> dict[str, Any]:
        reset()
        started = now()
        return stats(started, chain.stream(prompt["inputs"]))

    def raw() -> dict[str, Any]:
        reset()
        started = now()
        return stats(started, raw_stream(runtime, model, prompt["messages"], max_tokens))

    results: dict[str, list] = {"app": [], "raw": []}
    for n in range(runs):
        order = (("app", app), ("raw", raw)) if n % 2 == 0 else (("raw", raw), ("app", app))
        for side, run in order:
            results[side].append(run())
            print(f"  {name} run {n + 1} {side}: {results[side][-1]}", file=sys.stderr, flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"name": name, "load_s": load_s, "peak_rss_mb": peak_mb, **results}


def build_prompt(path: Path) -> dict[str, Any]:
    """The 5 passages the app retrieves for the question, as LangChain inputs and as raw messages."""
    from core.chat.engine import format_context
    from core.chat.prompts import ANSWER_PROMPT
    from core.service import DocChat

    with tempfile.TemporaryDirectory(prefix="bench-llm-backends-") as tmp:
        app = DocChat(Settings(data_dir=Path(tmp), k=K))
        [ingested] = app.ingest_paths([PAPER])
        if not ingested.ok:
            raise SystemExit(f"ingest failed: {ingested.message}")
        hits = app.retrieve(QUESTION, K).hits
    inputs = {"context": format_context(hits), "question": QUESTION}
    roles = {"system": "system", "human": "user"}
    messages = [{"role": roles[m.type], "content": str(m.content)} for m in ANSWER_PROMPT.format_messages(**inputs)]
    prompt = {"inputs": inputs, "messages": messages, "passages": len(hits)}
    path.write_text(json.dumps(prompt, ensure_ascii=False), encoding="utf-8")
    return prompt


def summary(result: dict[str, Any]) -> list[Any]:
    def med(side: str, key: str) -> float:
        return median([r[key] for r in result[side]])

    app_tps, raw_tps = med("app", "tokens_per_s"), med("raw", "tokens_per_s")
    app_ttft, raw_ttft = med("app", "ttft_s"), med("raw", "ttft_s")
    return [result["name"], result["load_s"], app_ttft, raw_ttft, raw_ttft / app_ttft, app_tps, raw_tps,
            app_tps / raw_tps if raw_tps else 0.0, round(result["peak_rss_mb"])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.llm_backends", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", help=f"model name (repeatable; default: {BACKENDS})")
    parser.add_argument("--runs", type=int, default=2, help="runs per side (default 2)")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--prompt", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.prompt, args.runs, args.max_tokens)))
        return 0
    load_before = loadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-llm-prompt-") as tmp:
        prompt_file = Path(tmp) / "prompt.json"
        prompt = build_prompt(prompt_file)
        for name in args.backend or BACKENDS:
            print(f"{name}: own process", file=sys.stderr, flush=True)
            done = subprocess.run([sys.executable, "-m", "bench.llm_backends", "--worker", name, "--prompt",
                                   str(prompt_file), "--runs", str(args.runs), "--max-tokens", str(args.max_tokens)],
                                  capture_output=True, text=True, check=False)
            sys.stderr.write(done.stderr[-3000:] if done.returncode else "".join(
                line + "\n" for line in done.stderr.splitlines() if line.startswith("  ")))
            if done.returncode:
                print(f"{name} failed (exit {done.returncode})", file=sys.stderr)
                continue
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    headers = ["model", "load s", "app ttft s", "raw ttft s", "ttft ratio", "app tok/s", "raw tok/s",
               "tok/s ratio", "peak RSS MB"]
    rows = [summary(r) for r in results]
    print(table(headers, rows))
    print(f"{prompt['passages']} passages, {args.max_tokens} tokens max, greedy, {args.runs} runs per side; goal: "
          f"ratios >= {GOAL}; load average (1 min): {load_before} before, {loadavg()} after")
    out = write_result("llm_backends", {"question": QUESTION, "document": PAPER.name, "k": K, "runs": args.runs,
                                        "max_tokens": args.max_tokens, "results": results,
                                        "summary": [dict(zip(headers, row, strict=True)) for row in rows],
                                        "loadavg_1m_before": load_before})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
