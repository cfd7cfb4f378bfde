"""What a user with a big library meets (issue 20, "big libraries"): ``python -m core list --json`` and the
Documents page at 1,000 and 10,000 documents. Goals: the page loads in < 1 s; ``list --json`` answers in < 1 s
at 10,000 documents.

The library is built through the store's own door (``add_documents``, 500 documents a call) with random unit
vectors, so no model is loaded and 10,000 documents take about two minutes, not a night of embedding. Names, kinds,
collections, chunk counts and stored originals look like a real library's, and the recorded embedding model is
the configured one, so the page asks for no re-index. Each size is then measured REPEATS times (min/median/max):

- ``list --json`` as a whole child process (start, imports, reading, printing: what a script waits for), in turns
  with a raw floor (``RAW_LIST``: the same libraries imported, the same rows SELECTed and printed); and,
  in this process, ``DocChat.documents()`` against a plain sqlite3 SELECT of the same rows, taken in turns in
  the same run, so their ratio is what the app's layer costs over the database and not the machine's mood;
- the Documents page (Streamlit AppTest, headless): a first run with an empty resource cache (a new DocChat,
  as after a server start) and a rerun of that session (what every click or filter keystroke pays).

    .venv/bin/python -m bench.library_scale [--sizes 1000 10000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

import core  # noqa: F401 - offline environment before any library import
from bench._common import loadavg, median, now, table, write_result
from core.embeddings import canonical_name
from core.service import DocChat
from core.settings import load_settings
from core.store.opening import open_store
from core.store.records import Chunk, NewDocument
from ui.library_table import PAGE_ROWS

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS_PAGE = ROOT / "pages" / "2_Documents.py"
PAGE_GOAL_S = 1.0
LIST_GOAL_S = 1.0  # at 10,000 documents
BATCH = 500  # documents per add_documents call: one transaction and one index write each
DIMENSION = 384  # the default embedder's (multilingual-e5-small)
KINDS = (("report", "pdf"), ("minutes", "docx"), ("notes", "md"), ("budget", "xlsx"), ("memo", "txt"))
COLLECTIONS = ("", "finance", "research", "legal", "hr")
COLUMNS = "name, sha256, type, pages, chunks, size, added, note, collection"  # what DocumentRecord holds


def new_document(n: int, rng: np.random.Generator, model: str) -> NewDocument:
    """Document ``n``: 1-3 short chunks with random unit vectors and a small original of its own bytes."""
    stem, kind = KINDS[n % len(KINDS)]
    chunks = [Chunk(f"Section {i + 1} of {stem} {n}: the harbour board reviewed item {n * 7 + i} and agreed.",
                    page=i + 1 if kind == "pdf" else None, ordinal=i) for i in range(int(rng.integers(1, 4)))]
    vectors = rng.standard_normal((len(chunks), DIMENSION)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    original = f"{stem} {n}\n".encode() + "\n".join(c.text for c in chunks).encode()
    return NewDocument(name=f"{stem}-{n:04d}.{kind}", sha256=hashlib.sha256(original).hexdigest(), kind=kind,
                       pages=len(chunks) if kind == "pdf" else None, original=original, chunks=chunks,
                       vectors=vectors, embedding_model=model, collection=COLLECTIONS[n % len(COLLECTIONS)])


def build(data: Path, documents: int, seed: int = 0) -> float:
    """A library of ``documents`` in ``data``, added over the past year in batches; returns the seconds."""
    settings = load_settings().with_data_dir(data)
    model = canonical_name(settings.embedding_model)
    rng = np.random.default_rng(seed)
    store = open_store(settings)
    first_day = datetime(2025, 1, 1, 9, tzinfo=UTC)
    start = now()
    try:
        for batch, first in enumerate(range(0, documents, BATCH)):
            new = [new_document(n, rng, model) for n in range(first, min(first + BATCH, documents))]
            added = (first_day + timedelta(days=batch)).isoformat(timespec="seconds")
            assert len(store.add_documents(new, added)) == len(new)
    finally:
        store.close()
    return now() - start


def spread(values: Sequence[float]) -> dict[str, float]:
    return {"min": round(min(values), 4), "median": round(median(values), 4), "max": round(max(values), 4)}


# The raw floor under ``list --json``: a child process that imports the libraries the CLI stands on (settings,
# vectors, the index), SELECTs the same rows and prints them as JSON. No app code: what any Python command built on
# these libraries pays before it does anything of its own.
RAW_LIST = ("import json, sqlite3, sys; import faiss, numpy, pydantic_settings; "
            "c = sqlite3.connect(sys.argv[1]); c.row_factory = sqlite3.Row; "
            f"rows = c.execute('SELECT {COLUMNS} FROM documents ORDER BY added, id').fetchall(); "
            "print(json.dumps({'documents': [dict(r) for r in rows]}, ensure_ascii=False))")


def time_list_command(data: Path, documents: int, repeats: int) -> tuple[list[float], list[float]]:
    """``python -m core --data-dir DATA list --json`` from start to exit, its answer checked each time, and the
    raw floor (``RAW_LIST``) in turns with it, so their ratio is taken under the same load."""
    commands = ([sys.executable, "-m", "core", "--data-dir", str(data), "list", "--json"],
                [sys.executable, "-c", RAW_LIST, str(data / "library.sqlite")])
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for command, kept in zip(commands, times, strict=True):
            start = now()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
            kept.append(now() - start)
            assert len(json.loads(done.stdout)["documents"]) == documents, done.stderr[-500:]
    return times


def raw_documents(data: Path) -> list[tuple[Any, ...]]:
    """The floor under ``DocChat.documents()``: one connection, one SELECT, the rows as tuples."""
    conn = sqlite3.connect(data / "library.sqlite")
    try:
        return conn.execute(f"SELECT {COLUMNS} FROM documents ORDER BY added, id").fetchall()
    finally:
        conn.close()


def time_documents(data: Path, documents: int, repeats: int) -> tuple[list[float], list[float]]:
    """The raw SELECT and ``DocChat.documents()``, in turns, after one warm-up call of each."""
    app = DocChat(load_settings().with_data_dir(data))
    assert len(app.documents()) == len(raw_documents(data)) == documents
    raw, through_app = [], []
    for _ in range(repeats):
        start = now()
        raw_documents(data)
        raw.append(now() - start)
        start = now()
        app.documents()
        through_app.append(now() - start)
    app.store.close()
    return raw, through_app


@contextmanager
def library_environment(data: Path) -> Iterator[None]:
    """The page's settings come from the environment (as in tests/pages/test_documents.py): point them at
    ``data`` with the model it was built with, run from the project root, and put everything back after."""
    import streamlit as st

    saved = {name: os.environ.get(name) for name in ("DOCCHAT_DATA_DIR", "DOCCHAT_EMBEDDING_MODEL")}
    cwd = Path.cwd()
    os.environ["DOCCHAT_DATA_DIR"] = str(data)
    os.environ["DOCCHAT_EMBEDDING_MODEL"] = load_settings().embedding_model
    os.chdir(ROOT)
    st.cache_resource.clear()
    try:
        yield
    finally:
        st.cache_resource.clear()
        os.chdir(cwd)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def server_components() -> Any:
    """Streamlit's registry of installed components, scanned once. A server scans every installed package's
    metadata for components once, at its start (``streamlit.runtime.Runtime``); an ``AppTest`` does it on its first
    run, 1.3 s here with this venv's 223 packages, which no page load of a running server pays."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


def time_page(data: Path, documents: int, repeats: int) -> tuple[list[float], list[float]]:
    """Each repeat: a fresh resource cache and session, its first run, then one rerun; the table must hold
    its first page (every document up to ``PAGE_ROWS``) and neither run may raise."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    first, rerun = [], []
    components = server_components()
    with library_environment(data):
        for _ in range(repeats):
            st.cache_resource.clear()
            at = AppTest.from_file(str(DOCUMENTS_PAGE), default_timeout=60)
            at._bidi_component_manager = components  # noqa: SLF001 - see server_components
            start = now()
            at.run()
            first.append(now() - start)
            assert not at.exception, at.exception
            start = now()
            at.run()
            rerun.append(now() - start)
            assert not at.exception, at.exception
            assert len(at.dataframe[0].value) == min(documents, PAGE_ROWS)  # a page of the table
    return first, rerun


def floors(repeats: int) -> tuple[float, float]:
    """What no library size explains, on a one-document library: ``list --json`` (the interpreter's start and
    the CLI's imports: the part of the goal no store change wins back) and one page run before any other, which
    pays Streamlit's, the pages' and FAISS's imports (a running server paid them at its start), so the measured
    first runs do not. Seconds, the first a median."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        build(data, 1)
        return median(time_list_command(data, 1, repeats)[0]), time_page(data, 1, 1)[0][0]


def measure(documents: int, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        build_s = build(data, documents)
        cli, raw_cli = time_list_command(data, documents, repeats)
        raw, through_app = time_documents(data, documents, repeats)
        first, rerun = time_page(data, documents, repeats)
    return {"documents": documents, "build_s": round(build_s, 2), "list_json_s": spread(cli),
            "raw_list_s": spread(raw_cli), "list_over_raw": round(median(cli) / median(raw_cli), 2),
            "raw_select_s": spread(raw), "app_documents_s": spread(through_app),
            "app_over_raw": round(median(through_app) / median(raw), 2),
            "page_first_s": spread(first), "page_rerun_s": spread(rerun)}


def report(rows: Sequence[dict[str, Any]]) -> str:
    """The Markdown tables: seconds as min / median / max, then the app-over-raw ratio."""
    def three(s: dict[str, float]) -> str:
        return f"{s['min']:.3f} / {s['median']:.3f} / {s['max']:.3f}"

    timing = table(["documents", "list --json s", "raw floor s", "list / raw", "page first run s", "page rerun s",
                    "build s"],
                   [[r["documents"], three(r["list_json_s"]), three(r["raw_list_s"]), r["list_over_raw"],
                     three(r["page_first_s"]), three(r["page_rerun_s"]), r["build_s"]] for r in rows])
    layer = table(["documents", "raw SELECT ms (median)", "DocChat.documents() ms (median)", "app / raw"],
                  [[r["documents"], round(r["raw_select_s"]["median"] * 1000, 1),
                    round(r["app_documents_s"]["median"] * 1000, 1), r["app_over_raw"]] for r in rows])
    return f"{timing}\n\n{layer}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="library sizes in documents")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    # AppTest outside a server warns "missing ScriptRunContext" on every cache clear; Streamlit resets log
    # levels as it starts a run, so the one logger is switched off instead
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").disabled = True
    load_at_start = loadavg()  # 2 cores: another job's load shows in every number, so it is kept with them
    floor_list_s, imports_s = floors(args.repeats)
    rows = [measure(documents, args.repeats) for documents in args.sizes]
    print(report(rows))
    print(f"seconds as min / median / max of {args.repeats} runs; list --json at 1 document: "
          f"{floor_list_s:.3f} s (median); the page's imports, paid once before: {imports_s:.2f} s; goals: page < "
          f"{PAGE_GOAL_S} s, list --json < {LIST_GOAL_S} s at 10,000 documents; load average "
          f"{load_at_start} at the start, {loadavg()} at the end")
    write_result("library_scale", {"repeats": args.repeats, "loadavg_1m_at_start": load_at_start,
                                   "list_json_one_document_s": round(floor_list_s, 3),
                                   "page_imports_s": round(imports_s, 2),
                                   "goals_s": {"page": PAGE_GOAL_S, "list_json_at_10000": LIST_GOAL_S},
                                   "rows": rows})


if __name__ == "__main__":
    main()
