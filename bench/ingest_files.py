"""Ingest throughput at 1, 10 and 100 files: the same pages of one real PDF, cut into N files,
through the whole pipeline with reading overlapped with embedding (the product's default), the
same pipeline one file after the other, and the raw libraries back to back.

- overlapped: ``DocChat.ingest_paths`` (``core.ingest.batch``, one file read ahead);
- in turn: the same with ``read_ahead=0``;
- raw: ``pypdf`` ``extract_text`` of every page of the N files, then one ``encode`` call of the
  embedding library on the very chunk texts the pipeline stored (what parsing + embedding cost
  with no app around them, one after the other).

ratio = raw_s / overlapped_s (above 1.0: the overlap more than pays for what the app adds).

    .venv/bin/python -m bench.ingest_files [--pages 100] [--files 1,10,100] [--model NAME]
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, loadavg, now, table, write_result
from bench.ingest import WARMUP, load_raw, stored_chunks
from core.ingest.batch import ingest_all
from core.ingest.records import Upload
from core.service import DocChat
from core.settings import Settings

SOURCE = CORPUS / "pdf" / "long-german_GeoTopo-komprimiert.pdf"
MODEL = "multilingual-e5-small"  # the product's default embedder


def cut(source: Path, pages: int, files: int, folder: Path) -> list[Path]:
    """The first ``pages`` pages of ``source`` that hold text, as ``files`` PDFs of (nearly) equal
    length (a file of blank pages would only measure the "no text" message)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(source)
    chosen = [page for page in reader.pages if page.extract_text().strip()][:pages]
    if len(chosen) < files:
        raise SystemExit(f"{source.name} has {len(chosen)} pages with text: fewer than {files} files")
    bounds = [round(i * len(chosen) / files) for i in range(files + 1)]
    paths = []
    for n, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        writer = PdfWriter()
        for page in chosen[start:end]:
            writer.add_page(page)
        buffer = io.BytesIO()
        writer.write(buffer)
        path = folder / f"part-{n:03d}.pdf"
        path.write_bytes(buffer.getvalue())
        paths.append(path)
    return paths


def run_pipeline(app: DocChat, paths: list[Path], read_ahead: int) -> tuple[float, int]:
    started = now()
    uploads = [Upload(str(p), path=p) for p in paths]
    results = list(ingest_all(app.store, app.embeddings, app.settings, uploads, read_ahead=read_ahead))
    seconds = now() - started
    failed = [r.line() for r in results if not r.ok]
    if failed:
        raise SystemExit("ingest failed: " + "; ".join(failed))
    return seconds, sum(r.chunks for r in results)


def run_raw(paths: list[Path], texts: list[str], encode) -> tuple[float, float]:
    from pypdf import PdfReader

    started = now()
    for path in paths:
        for page in PdfReader(path).pages:
            page.extract_text()
    parsed = now()
    encode(texts)
    return parsed - started, now() - parsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_files", description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="pages with text from the source PDF (default 100)")
    parser.add_argument("--files", default="1,10,100", help="file counts (default 1,10,100)")
    parser.add_argument("--model", default=MODEL, choices=[MODEL, "all-MiniLM-L6-v2"])
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args(argv)
    load_before = loadavg()
    encode, _ = load_raw(args.model)
    embeddings = None
    rows, runs = [], []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-files-") as tmp:
        for files in [int(n) for n in args.files.split(",")]:
            folder = Path(tmp) / f"in-{files}"
            folder.mkdir()
            paths = cut(args.source, args.pages, files, folder)
            timings = {}
            for mode, read_ahead in (("in turn", 0), ("overlapped", 1)):
                app = DocChat(Settings(data_dir=Path(tmp) / f"data-{files}-{read_ahead}",
                                       embedding_model=args.model), embeddings)
                embeddings = app.embeddings
                embeddings.embed_documents(WARMUP)
                timings[mode], chunks = run_pipeline(app, paths, read_ahead)
            texts = stored_chunks(app.store)
            parse_s, encode_s = run_raw(paths, texts, encode)
            raw_s = parse_s + encode_s
            run = {"files": files, "chunks": chunks, "in_turn_s": timings["in turn"],
                   "overlapped_s": timings["overlapped"], "raw_parse_s": parse_s, "raw_encode_s": encode_s,
                   "raw_s": raw_s, "ratio_raw_over_overlapped": raw_s / timings["overlapped"],
                   "overlap_speedup": timings["in turn"] / timings["overlapped"]}
            runs.append(run)
            rows.append([files, chunks, timings["in turn"], timings["overlapped"], parse_s, encode_s,
                         chunks / timings["overlapped"], run["ratio_raw_over_overlapped"], run["overlap_speedup"]])
            print(f"{files} files done", flush=True)
    print(f"source: {args.source.name}, first {args.pages} pages; model {args.model}")
    print(table(["files", "chunks", "in turn s", "overlapped s", "raw parse s", "raw encode s",
                 "chunks/s overlapped", "raw / overlapped", "in turn / overlapped"], rows))
    print(f"load average (1 min): {load_before} before, {loadavg()} after")
    out = write_result("ingest_files", {"model": args.model, "source": args.source.name, "pages": args.pages,
                                        "runs": runs, "loadavg_1m_before": load_before})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
