"""Cold start: the Streamlit app and the CLI on an empty temp library, each vs a bare baseline.

* app: launch ``python -m streamlit run Home.py --server.port P --server.headless true`` and
  time until ``/_stcore/health`` answers ``ok`` and a first ``GET /`` returns 200. Baseline: the
  same command on a one-line Streamlit script. (``GET /`` serves static files: Home.py itself
  first runs when a browser session connects, so we also time it once with Streamlit's AppTest.)
* CLI: wall time of ``python -m core list`` and ``python -m core search "x"``. Baselines: bare
  ``python -c pass``, and for search the raw work it needs (load MiniLM, encode one string).

Every measurement is a fresh process and a fresh empty DOCCHAT_DATA_DIR; median of --repeat runs.
ratio = baseline_s / ours_s (1.0 = no cost over the baseline).

    .venv/bin/python -m bench.cold_start [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import core  # noqa: F401 - offline environment (inherited by every child process)
from bench._common import loadavg, median, now, table, write_result

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TIMEOUT_S = 180
TRIVIAL_APP = 'import streamlit as st\n\nst.write("hello")\n'
RAW_SEARCH = (
    "import core\nfrom sentence_transformers import SentenceTransformer\n"
    "from core.embeddings.sentence_transformer import resolve_model_dir\n"
    "SentenceTransformer(str(resolve_model_dir('all-MiniLM-L6-v2')), device='cpu')"
    ".encode(['x'], normalize_embeddings=True)\n"
)
APPTEST = (
    "import sys\nfrom streamlit.testing.v1 import AppTest\n"
    "at = AppTest.from_file(sys.argv[1], default_timeout=120).run()\n"
    "assert not at.exception, at.exception\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read(200).decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


def fresh_dir(parent: str, label: str) -> Path:
    """A new empty data directory, so no run sees a library an earlier run created."""
    return Path(tempfile.mkdtemp(prefix=f"{label}-", dir=parent))


def env_with(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "DOCCHAT_DATA_DIR": str(data_dir)}


def time_server(script: Path, data_dir: Path) -> dict[str, float]:
    """Seconds from launch to health ok, and to the first 200 from GET /."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [PY, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.headless", "true"]
    started = now()
    proc = subprocess.Popen(cmd, cwd=script.parent, env=env_with(data_dir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health_s = page_s = None
        while now() - started < TIMEOUT_S and proc.poll() is None:
            if health_s is None:
                status, body = http_get(base + "/_stcore/health")
                if status == 200 and body.strip() == "ok":
                    health_s = now() - started
            if health_s is not None:
                status, _ = http_get(base + "/")
                if status == 200:
                    page_s = now() - started
                    break
            time.sleep(0.05)
        if page_s is None or health_s is None:
            raise SystemExit(f"{script.name}: server not ready after {now() - started:.0f} s (rc {proc.poll()})")
        return {"health_s": health_s, "ready_s": page_s}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def time_command(args: list[str], data_dir: Path) -> float:
    started = now()
    done = subprocess.run([PY, *args], cwd=ROOT, env=env_with(data_dir), capture_output=True, text=True)
    seconds = now() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-500:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, metavar="R", help="runs per measurement (default 3)")
    args = parser.parse_args(argv)
    load_before = loadavg()
    samples: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        samples.setdefault(key, []).append(value)

    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        trivial = Path(tmp) / "trivial_app.py"
        trivial.write_text(TRIVIAL_APP, encoding="utf-8")
        commands = [
            ("Home.py first run (AppTest)", ["-c", APPTEST, str(ROOT / "Home.py")]),
            ("trivial first run (AppTest)", ["-c", APPTEST, str(trivial)]),
            ("python -m core list", ["-m", "core", "list"]),
            ("python -c pass", ["-c", "pass"]),
            ('python -m core search "x"', ["-m", "core", "search", "x"]),
            ("raw: load MiniLM + encode 'x'", ["-c", RAW_SEARCH]),
        ]
        for n in range(args.repeat):
            ours = time_server(ROOT / "Home.py", fresh_dir(tmp, "app"))
            base = time_server(trivial, fresh_dir(tmp, "trivial"))
            add("app health ok", ours["health_s"])
            add("app GET / 200", ours["ready_s"])
            add("trivial app health ok", base["health_s"])
            add("trivial app GET / 200", base["ready_s"])
            for label, command in commands:
                add(label, time_command(command, fresh_dir(tmp, "cli")))
            print(f"run {n + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in samples.items()), flush=True)

    med = {key: median(values) for key, values in samples.items()}
    pairs = [
        ("app health ok", "trivial app health ok"),
        ("app GET / 200", "trivial app GET / 200"),
        ("Home.py first run (AppTest)", "trivial first run (AppTest)"),
        ("python -m core list", "python -c pass"),
        ('python -m core search "x"', "raw: load MiniLM + encode 'x'"),
    ]
    rows = [[ours, med[ours], base, med[base], med[base] / med[ours]] for ours, base in pairs]
    print(f"median of {args.repeat} runs, seconds")
    print(table(["ours", "s", "baseline", "baseline s", "ratio"], rows))
    print(f"load average (1 min): {load_before} before, {loadavg()} after")
    out = write_result("cold_start", {"repeat": args.repeat, "samples_s": samples, "median_s": med,
                                      "pairs": [dict(zip(["ours", "baseline", "ratio"], [o, b, med[b] / med[o]],
                                                         strict=True)) for o, b in pairs],
                                      "loadavg_1m_before": load_before})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
