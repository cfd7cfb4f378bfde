"""Helpers shared by the benchmarks: the machine line, a plain-text table, the JSON result file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.settings import Settings

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CORPUS = Settings().corpus_dir  # the corpus_dir setting's default (../shared/corpus): results stay comparable
NOVEL = CORPUS / "other" / "war-and-peace_book-war-and-peace-1225p.txt"
PAPER = CORPUS / "pdf" / "paper_attention-is-all-you-need_1706.03762.pdf"


def machine() -> dict[str, Any]:
    """What ran the benchmark: CPU count, CPU model, Python, OS."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}", "gpu": "none used",
            "loadavg_1m_at_end": loadavg()}


def loadavg() -> float:
    """1-minute load average: other work on this 2-core machine shows up here."""
    return round(os.getloadavg()[0], 2)


def now() -> float:
    return time.perf_counter()


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (readable in a terminal too)."""
    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "| " + " | ".join("-" * w for w in widths) + " |"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    return "\n".join([line, rule, *body])


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """Write ``bench/results/<name>-<timestamp>.json`` and ``<name>-latest.json``; return the first."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    data = {"bench": name, "when": stamp, "machine": machine(), **payload}
    text = json.dumps(data, indent=2, ensure_ascii=False)
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(text, encoding="utf-8")
    (RESULTS_DIR / f"{name}-latest.json").write_text(text, encoding="utf-8")
    return path


def forget_prompt(runnable: Any) -> None:
    """Empty an in-process llama.cpp model's KV cache, so the next arm of a paired bench reads its whole
    prompt: asked the same question right after, the second arm would otherwise reuse the first's prefix.
    Its seed goes back to the one it was built with: llama-cpp-python draws each call's seed from the last
    one, so without this an answer depends on how many were sampled before it (in a test, on test order)."""
    from core.llms.llamacpp_backend import SEED

    client = getattr(runnable, "client", None)
    if client is not None and hasattr(client, "reset"):
        client.reset()
        client.set_seed(SEED)
