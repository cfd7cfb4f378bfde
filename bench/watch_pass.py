"""A sync pass over a watched folder that did not change (issue 20 goal: < 2 s at 1,000 files), and the
pass that rebuilds a lost state file (every file hashed, each found in the library, nothing embedded).

The folder holds FILES small text files in sub-folders of 50. It is put into a library once with a fake
embedder (the model's speed is not what is measured: an unchanged pass never loads it); then the
unchanged pass runs REPEATS times in a fresh Runner each (state read from disk, as a new `watch run` does).

    .venv/bin/python -m bench.watch_pass [--files 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import core  # noqa: F401 - offline environment before any library import
from bench._common import loadavg, median, now, table, write_result
from core.service import DocChat
from core.settings import Settings
from core.watch.config import add_folder
from core.watch.runner import Runner
from core.watch.state import STATE_FILE
from core.watch.sync import Timing

GOAL_SECONDS = 2.0
PER_FOLDER = 50


def build(root: Path, files: int) -> None:
    for n in range(files):
        path = root / f"part{n // PER_FOLDER:03d}" / f"note{n:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Note {n}: the keeper of lighthouse {n} writes down the weather every morning. " * 8,
                        encoding="utf-8")


def measure(files: int, repeats: int) -> dict:
    from langchain_core.embeddings import DeterministicFakeEmbedding

    with tempfile.TemporaryDirectory() as tmp:
        folder, data = Path(tmp) / "docs", Path(tmp) / "data"
        build(folder, files)
        app = DocChat(Settings(data_dir=data, sentence_weight=0), DeterministicFakeEmbedding(size=32))
        add_folder(data, folder)
        timing = Timing(grace_seconds=60, settle_seconds=0)
        start = now()
        first = Runner(app, data, timing, lambda _line: None).sync_once()[0]
        first_s = now() - start
        assert len(first.added) == files, first.failed[:3]
        unchanged = []
        for _ in range(repeats):
            start = now()
            report = Runner(app, data, timing, lambda _line: None).sync_once()[0]
            unchanged.append(now() - start)
            assert report.lines() == []
        (data / STATE_FILE).write_text("{lost", encoding="utf-8")
        start = now()
        rebuilt = Runner(app, data, timing, lambda _line: None).sync_once()[0]
        rebuild_s = now() - start
        assert len(rebuilt.linked) == files and not rebuilt.added
    return {"files": files, "first_pass_fake_embedder_s": round(first_s, 2), "unchanged_s": round(median(unchanged), 3),
            "rebuild_s": round(rebuild_s, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, action="append", help="folder sizes (default 1000)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = [measure(files, args.repeats) for files in args.files or [1000]]
    print(table(["files", "first pass s (fake embedder)", "unchanged pass s", "rebuild pass s"],
                [[r["files"], r["first_pass_fake_embedder_s"], r["unchanged_s"], r["rebuild_s"]] for r in rows]))
    print(f"goal: unchanged pass < {GOAL_SECONDS} s at 1,000 files; load average {loadavg()}")
    write_result("watch_pass", {"goal_s": GOAL_SECONDS, "rows": rows})


if __name__ == "__main__":
    main()
