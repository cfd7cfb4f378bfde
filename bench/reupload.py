"""Re-uploading an unchanged file: its cost as a share of its first ingest (issue 7 goal <= 2 %).

For each file: ingest it once into an empty library (default settings, so the default embedder),
then upload the same bytes again REPEATS times through the same entry point the page uses
(``DocChat.ingest_file``); the repeat hashes the bytes and finds the sha256 in SQLite, nothing
else. share = median repeat time / first ingest time.

    .venv/bin/python -m bench.reupload [--repeats 5]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, PAPER, loadavg, median, now, table, write_result
from core.service import DocChat
from core.settings import Settings

HANDBOOK = CORPUS / "other" / "doj-chapter13-trustee-handbook_handbook-872p.docx"
GOAL = 0.02


def measure(path: Path, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        app = DocChat(Settings(data_dir=Path(tmp)))
        app.embeddings.embed_query("warm up")  # model load is not ingest
        data = path.read_bytes()
        start = now()
        first = app.ingest_file(path.name, data)
        first_s = now() - start
        assert first.ok, first.message
        times = []
        for _ in range(repeats):
            start = now()
            again = app.ingest_file(path.name, path.read_bytes())
            times.append(now() - start)
            assert again.duplicate, again.message
    repeat_s = median(times)
    return {"file": path.name, "bytes": len(data), "chunks": first.chunks, "first_s": round(first_s, 3),
            "repeat_ms": round(repeat_s * 1000, 2), "share": round(repeat_s / first_s, 5)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = [measure(path, args.repeats) for path in (PAPER, HANDBOOK)]
    print(table(["file", "bytes", "chunks", "first ingest s", "re-upload ms", "share"],
                [[r["file"], r["bytes"], r["chunks"], r["first_s"], r["repeat_ms"], r["share"]] for r in rows]))
    print(f"goal: share <= {GOAL}; load average {loadavg()}")
    write_result("reupload", {"embedding_model": Settings().embedding_model, "goal": GOAL, "rows": rows})


if __name__ == "__main__":
    main()
