"""A thousand files dropped into a watched folder (issue 20, "big libraries"): seconds until every file is
committed and searchable by its words, seconds until every vector is in (full hybrid), and peak RSS.

The folder is made here, seeded, from the corpus (../shared/corpus): FILES files in sub-folders of 50, a
quarter each TXT, MD, PDF (fpdf2) and DOCX (python-docx). Most are small (a SQuAD paragraph, a KorQuAD one
in Korean for some non-PDF files, or a few lines of War and Peace), some medium (MEDIUM_PAGES pages of the
novel), a few large (LARGE_PAGES pages). Each title holds a word of its own (``marker``): no two files have
the same bytes (a copy would be linked to the first, not added) and a keyword search can find the last one.

A child process (its peak RSS is the measured run's alone, not the making of the folder) then does what
``python -m core watch run`` does: default settings (``Settings(data_dir=...)``: the default embedder,
sentence vectors on), ``add_folder``, one ``Runner(...).sync_once()`` with the background
``Embedder(lambda stop: app.embed_pending(stop=stop))``: each file is committed once read (keyword-first),
and the embedder, poked at the pass's end, adds the vectors in its thread. The model is not warmed up first:
a ``watch run`` started on a new folder pays its load too.

- committed: seconds until the pass returned, every file a document and none failed; files/s.
- all vectors: seconds from the pass's start until ``app.pending()`` is empty; chunks/s over that time.
- peak RSS: the child's ``ru_maxrss`` when the pass returned, and at the end.

The mix is sized for this 2-core machine, where the default model embeds ~1-2 chunks/s with their sentences
(bench/big_pdf.py): 1,000 files make 2,520 chunks (1.2 M characters), about half an hour of vectors. One or
two paragraphs a small file, 5% medium and 1% large made 3,900: an hour.

    .venv/bin/python -m bench.watch_fill [--files 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, NOVEL, loadavg, now, table, write_result
from bench.big_pdf import LINES_PER_PAGE, SKIP_LINES
from core.embeddings import embedding_name
from core.ingest.background import Embedder
from core.ingest.sentences import sentence_texts
from core.service import DocChat
from core.settings import Settings
from core.watch.config import add_folder
from core.watch.runner import Runner
from core.watch.sync import Timing

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

ROOT = Path(__file__).resolve().parents[1]
FILES = 1000
KINDS = ("txt", "md", "pdf", "docx")
PER_FOLDER = 50
MEDIUM_SHARE, MEDIUM_PAGES = 0.03, (2, 5)  # a page ~2,600 characters, ~5 chunks
LARGE_SHARE, LARGE_PAGES = 0.005, (20, 30)
KOREAN_SHARE = 0.25  # of the small non-PDF files (the PDFs' core fonts are Latin-1)
SQUAD = CORPUS / "squad" / "dev-v1.1.json"
KORQUAD = CORPUS / "korquad" / "KorQuAD_v1.0_dev.json"
POLL_S = 0.5
REPORT_S = 60.0  # a progress line on stderr this often while vectors are added
STALL_S = 900.0  # no chunk embedded for this long: the embedder is stuck, stop
COLUMNS = {"documents": "documents", "committed_s": "committed s", "files_per_s": "files/s",
           "vectors_s": "all vectors s", "chunks": "chunks", "sentences": "sentence texts", "chunks_per_s": "chunks/s",
           "rss_committed_mb": "peak RSS MB (pass)", "peak_rss_mb": "peak RSS MB (end)"}


@dataclass(frozen=True)
class Texts:
    english: list[str]  # paragraphs
    korean: list[str]  # paragraphs
    lines: list[str]  # the novel's hard-wrapped lines, for pages


def corpus_texts() -> Texts | None:
    """SQuAD's and KorQuAD's paragraphs and the novel's lines; None when the corpus is not there."""
    if not all(path.is_file() for path in (SQUAD, KORQUAD, NOVEL)):
        return None

    def contexts(path: Path) -> list[str]:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
        return [paragraph["context"] for article in data for paragraph in article["paragraphs"]]

    return Texts(contexts(SQUAD), contexts(KORQUAD), NOVEL.read_text(encoding="utf-8").splitlines()[SKIP_LINES:])


def fallback_texts() -> Texts:
    """Built-in text for a clone without the corpus (the tests)."""
    return Texts([f"Paragraph {n}: the keeper of lighthouse {n} rows ashore on Sundays. " * 4 for n in range(40)],
                 [f"{n}번 등대지기는 매일 아침 날씨를 적는다. 일요일에는 육지로 간다. " * 3 for n in range(20)],
                 [f"Line {n}: the keeper of lamp {n} rowed past island number {n}." for n in range(1500)])


def marker(n: int) -> str:
    """A word only file ``n`` holds: 'wfm' and n's digits as letters (a keyword is a word, not a number)."""
    return "wfm" + "".join(chr(97 + int(digit)) for digit in str(n))


def file_name(n: int) -> str:
    return f"doc-{n:04d}.{KINDS[n % len(KINDS)]}"


def blocks_for(size: str, kind: str, texts: Texts, rng: random.Random) -> list[str]:
    """The file's text: a paragraph or a few lines (small), else pages of the novel's lines."""
    if size == "small":
        pick = rng.random()
        if kind != "pdf" and pick < KOREAN_SHARE:
            return [rng.choice(texts.korean)]
        if pick < 0.6:
            return [rng.choice(texts.english)]
        start = rng.randrange(len(texts.lines) - 20)
        return ["\n".join(texts.lines[start:start + rng.randint(6, 20)])]
    pages = rng.randint(*(MEDIUM_PAGES if size == "medium" else LARGE_PAGES))
    start = rng.randrange(len(texts.lines) - pages * LINES_PER_PAGE)
    return ["\n".join(texts.lines[at:at + LINES_PER_PAGE])
            for at in range(start, start + pages * LINES_PER_PAGE, LINES_PER_PAGE)]


def write(path: Path, title: str, blocks: list[str]) -> None:
    """The file in its kind: a PDF page or a DOCX paragraph per block, a blank line between them in text."""
    kind = path.suffix[1:]
    if kind == "pdf":
        from fpdf import FPDF

        pdf = FPDF(format="A4")
        pdf.set_font("helvetica", size=10)
        for n, block in enumerate(blocks):
            pdf.add_page()
            text = f"{title}\n\n{block}" if n == 0 else block
            pdf.multi_cell(0, 5.5, text.encode("latin-1", "replace").decode("latin-1"))
        pdf.output(str(path))
    elif kind == "docx":
        import docx

        document = docx.Document()
        document.add_heading(title, level=1)
        for block in blocks:
            document.add_paragraph(block)
        document.save(str(path))
    else:
        path.write_text("\n\n".join([f"# {title}" if kind == "md" else title, *blocks]) + "\n", encoding="utf-8")


def build(folder: Path, files: int, texts: Texts, seed: int = 0) -> dict[str, Any]:
    """``files`` files in ``folder``; returns the mix: files per kind and size, MB, characters."""
    rng = random.Random(seed)
    large, medium = math.ceil(files * LARGE_SHARE), math.ceil(files * MEDIUM_SHARE)  # a tiny folder has each size
    sizes = ["large"] * large + ["medium"] * medium + ["small"] * (files - large - medium)
    rng.shuffle(sizes)
    characters, size_bytes = 0, 0
    for n, size in enumerate(sizes):
        path = folder / f"part{n // PER_FOLDER:02d}" / file_name(n)
        path.parent.mkdir(parents=True, exist_ok=True)
        title = f"Document {n} ({marker(n)})"
        blocks = blocks_for(size, path.suffix[1:], texts, rng)
        write(path, title, blocks)
        characters += len(title) + sum(len(block) for block in blocks)
        size_bytes += path.stat().st_size
    return {"files": files, "seed": seed, "kinds": dict(Counter(file_name(n).rsplit(".", 1)[1] for n in range(files))),
            "sizes": dict(Counter(sizes)), "mb": round(size_bytes / 1e6, 2), "characters": characters}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def wait_for_vectors(app: DocChat, embedder: Embedder) -> None:
    """Until no chunk waits for its vector; a line on stderr every REPORT_S."""
    last, changed_at, reported_at = -1, time.monotonic(), time.monotonic()
    while pending := app.pending():
        if embedder.failure:
            raise SystemExit(f"the embedder failed: {embedder.failure}")
        waiting = sum(left for left, _ in pending.values())
        if waiting != last:
            last, changed_at = waiting, time.monotonic()
        elif time.monotonic() - changed_at > STALL_S:
            raise SystemExit(f"no vector added in {STALL_S:.0f} s; {waiting} chunks still wait")
        if time.monotonic() - reported_at > REPORT_S:
            print(f"{waiting} chunks of {len(pending)} documents still wait", file=sys.stderr, flush=True)
            reported_at = time.monotonic()
        time.sleep(POLL_S)


def measure(folder: Path, settings: Settings, files: int, embeddings: Embeddings | None = None) -> dict[str, Any]:
    """The watched folder synced into a new library at ``settings.data_dir``, as ``watch run`` does it;
    ``embeddings``: a model instead of the configured one (tests)."""
    app = DocChat(settings, embeddings)
    add_folder(settings.data_dir, folder)
    embedder = Embedder(lambda stop: app.embed_pending(stop=stop))
    runner = Runner(app, settings.data_dir, Timing(grace_seconds=60, settle_seconds=0), lambda _line: None,
                    background=embedder)
    try:
        started = now()
        failed = [f"{path}: {why}" for report in runner.sync_once() for path, why in report.failed]
        committed_s, rss_committed = now() - started, peak_rss_mb()
        print(f"pass returned after {committed_s:.1f} s; {len(failed)} failed", file=sys.stderr, flush=True)
        hits = app.search(marker(files - 1), mode="keyword")
        documents = len(app.documents())
        wait_for_vectors(app, embedder)
        vectors_s = now() - started
    finally:
        embedder.close()
    chunks = app.store.chunk_texts()
    sentences = sum(len(sentence_texts(text, heading)) for _, text, heading in chunks if settings.sentence_vectors)
    found = bool(hits) and hits[0].source == file_name(files - 1)
    return {"documents": documents, "failed": failed, "keyword_found": found,
            "committed_s": round(committed_s, 2), "files_per_s": round(documents / committed_s, 2),
            "vectors_s": round(vectors_s, 2), "chunks": len(chunks), "sentences": sentences,
            "chunks_per_s": round(len(chunks) / vectors_s, 2), "rss_committed_mb": rss_committed,
            "peak_rss_mb": peak_rss_mb(), "model": embedding_name(app.embeddings)}


def in_child(folder: Path, data: Path, files: int) -> dict[str, Any]:
    """``measure`` in a process of its own, with the default settings; its stderr passes through."""
    command = [sys.executable, "-m", "bench.watch_fill", "--files", str(files), "--child", str(folder), str(data)]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    return dict(json.loads(done.stdout.splitlines()[-1]))


def report(mix: dict[str, Any], result: dict[str, Any]) -> str:
    kinds = " ".join(f"{count} {kind.upper()}" for kind, count in sorted(mix["kinds"].items()))
    sizes = ", ".join(f"{count} {size}" for size, count in sorted(mix["sizes"].items()))
    found = "yes" if result["keyword_found"] else "NO"
    return "\n".join([f"folder: {mix['files']} files ({kinds}; {sizes}), {mix['mb']} MB, {mix['characters']:,} chars",
                      table(["files", *COLUMNS.values()], [[mix["files"], *(result[key] for key in COLUMNS)]]),
                      f"embedder: {result['model']}; the last file found by its marker right after the pass: {found}",
                      *(f"failed: {line}" for line in result["failed"])])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.watch_fill", description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=FILES, help=f"files in the folder (default {FILES})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", nargs=2, type=Path, metavar=("FOLDER", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        folder, data = args.child
        print(json.dumps(measure(folder, Settings(data_dir=data), args.files)))
        return 0
    texts = corpus_texts()
    if texts is None:
        print(f"The corpus is not at {CORPUS} (SQuAD, KorQuAD and the novel), so there is nothing to measure.")
        return 0
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="bench-watch-fill-") as tmp:
        started = now()
        mix = build(Path(tmp) / "docs", args.files, texts, args.seed)
        print(f"made the folder in {now() - started:.1f} s", flush=True)
        result = in_child(Path(tmp) / "docs", Path(tmp) / "data", args.files)
    print(report(mix, result))
    print(f"load average (1 min): {load_before} before, {loadavg()} after")
    out = write_result("watch_fill", {"mix": mix, **result, "loadavg_1m_before": load_before})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
