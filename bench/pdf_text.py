"""Glued words in PDF text, per PDF: how many pages pypdf ran the words together on, how many the loader
read with PDFium instead, the glued share before and after, and what the second reader costs.

- glued share: ``core.ingest.pdf_text.glued_share``, the share of letters in tokens over 24 letters
  (0 = well spaced); "poor" pages score above ``POOR_SHARE`` in pypdf's text;
- before / after: over the PDF's text pages, letters weighted, pypdf's text vs the text the loader keeps;
- PDFium s: the seconds PDFium took on the poor pages (opening the file included): the direct cost;
- load s: ``load_pdf`` of the whole file without the second reader (pypdf's text on every page, as
  before issue 18) and with it, the median of ``--repeat`` runs, the two
  in turn (on a busy machine the difference drowns in noise; PDFium s is the number to trust).

A regression tool as well: a PDF whose pages change in the "switched" column after a pypdf or PDFium
upgrade, or a change of the constants, shows up here before it shows up in retrieval.

    .venv/bin/python -m bench.pdf_text [--corpus ../shared/corpus] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import logging
from pathlib import Path
from unittest import mock

import core  # noqa: F401 - offline environment before any library import
from bench._common import CORPUS, loadavg, median, now, table, write_result
from core.ingest import loaders
from core.ingest.errors import IngestError
from core.ingest.pdf_text import POOR_SHARE, PageText, PdfiumText, glued_share, letter_count, pick_text

PASSWORDS = ("", "1234")  # the corpus's encrypted PDFs name their password in the file name


def _keep_pypdf(text: str, number: int, pdfium: PdfiumText) -> PageText:
    share = glued_share(text)
    return PageText(text, "pypdf", share, share)


class TimedPdfium(PdfiumText):
    """PDFium as the loader uses it, with the seconds it took: the direct cost of the second reader."""

    seconds = 0.0

    def page(self, number: int) -> str:
        start = now()
        try:
            return super().page(number)
        finally:
            self.seconds += now() - start


def page_choices(data: bytes) -> tuple[dict[int, PageText], float]:
    """What the loader chooses on each page that has a pypdf text layer (the same ``pick_text``), by page,
    and the seconds PDFium took (opening the file included)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    password = None
    if reader.is_encrypted:
        password = next(p for p in PASSWORDS if reader.decrypt(p))
    choices = {}
    with TimedPdfium(data, password or None) as pdfium:
        for number, page in enumerate(reader.pages, start=1):
            try:
                text = page.extract_text() or ""
            except Exception:  # noqa: BLE001 - the loader sends such a page to OCR; nothing to score
                continue
            if text.strip():
                choices[number] = pick_text(text, number, pdfium)
    return choices, pdfium.seconds


def _weighted(choices: list[PageText], attr: str) -> float:
    """The glued share of all the text pages together (a page counts by its letters)."""
    letters = [letter_count(c.text) for c in choices]
    total = sum(letters)
    return sum(getattr(c, attr) * n for c, n in zip(choices, letters, strict=True)) / total if total else 0.0


def load_seconds(data: bytes) -> float | None:
    """Seconds of ``load_pdf`` on the whole file; None when the loader refuses it."""
    password = "1234" if b"/Encrypt" in data else None
    start = now()
    try:
        loaders.load_pdf(data, password)
    except IngestError:
        return None
    return now() - start


def load_medians(data: bytes, repeat: int) -> tuple[float | None, float | None]:
    """Median load seconds without and with the second reader, run in turn so that other work on
    the machine falls on both alike."""
    before, after = [], []
    for _ in range(repeat):
        with mock.patch.object(loaders, "pick_text", _keep_pypdf):
            before.append(load_seconds(data))
        after.append(load_seconds(data))
    if None in before or None in after:
        return None, None
    return median(before), median(after)


def measure(path: Path, repeat: int) -> dict:
    data = path.read_bytes()
    try:
        choices, pdfium_s = page_choices(data)
    except Exception as exc:  # noqa: BLE001 - a broken sample is a row, not a crash
        return {"pdf": path.name, "error": f"{type(exc).__name__}: {str(exc)[:60]}"}
    before_s, after_s = load_medians(data, repeat)
    pages = list(choices.values())
    return {
        "pdf": path.name, "text_pages": len(pages),
        "poor": sum(c.before > POOR_SHARE for c in pages), "switched": sum(c.switched for c in pages),
        "glued_before": round(_weighted(pages, "before"), 4), "glued_after": round(_weighted(pages, "after"), 4),
        "poor_pages": [(number, round(c.before, 3), round(c.after, 3), c.source)
                       for number, c in choices.items() if c.before > POOR_SHARE],
        "pdfium_s": round(pdfium_s, 4), "load_s_before": before_s, "load_s_after": after_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    rows = [measure(path, args.repeat) for path in sorted(args.corpus.rglob("*.pdf"))]
    headers = ["PDF", "text pages", "poor", "switched", "glued before", "glued after", "PDFium s",
               "load s before", "load s after"]
    print(table(headers, [_cells(r) for r in rows]))
    for r in rows:
        for number, before, after, source in r.get("poor_pages", []):
            print(f"  {r['pdf']} p.{number}: glued {before:.3f} -> {after:.3f} ({source})")
        if "error" in r:
            print(f"  {r['pdf']}: not scored ({r['error']})")
    print(f"(loadavg {loadavg()})")
    print(f"wrote {write_result('pdf_text', {'repeat': args.repeat, 'poor_share': POOR_SHARE, 'rows': rows})}")


def _cells(row: dict) -> list:
    if "error" in row:
        return [row["pdf"], *["-"] * 6, "refused", "refused"]
    seconds = [row["pdfium_s"], row["load_s_before"], row["load_s_after"]]
    return [row["pdf"], row["text_pages"], row["poor"], row["switched"], row["glued_before"], row["glued_after"],
            *("refused" if value is None else f"{value:.3f}" for value in seconds)]


if __name__ == "__main__":
    main()
