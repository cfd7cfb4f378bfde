"""A cited PDF page rendered with the passage marked from the page's own text layer."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.page_view import page_view
from core.service import DocChat
from tests.conftest import make_pdf

BUILT = "The Skarvoy lighthouse was built in 1874 by the harbour board."


def _amber_pixels(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in image.getdata() if r > 200 and 150 < g < 235 and b < 150)


def test_the_passage_is_marked_on_its_page_and_only_there(lighthouse_pdf):
    data = lighthouse_pdf.read_bytes()
    view = page_view(data, 2, BUILT)
    assert (view.page, view.pages) == (2, 2) and view.marked >= 1
    assert _amber_pixels(view.png) > 500
    elsewhere = page_view(data, 1, BUILT)  # not on page 1: shown, nothing marked
    assert elsewhere.marked == 0 and _amber_pixels(elsewhere.png) == 0
    with pytest.raises(ValueError, match="has 2 pages"):
        page_view(data, 3, BUILT)


def test_a_passage_split_differently_still_marks_the_lines_on_the_page(tmp_path):
    pdf = make_pdf(tmp_path / "two.pdf", ["The lamp burns whale oil and the keeper rows out on Sundays."])
    # a heading in front and other whitespace: found line by line, case and spacing set aside
    view = page_view(pdf.read_bytes(), 1, "Section 2: The Light\nthe LAMP burns   whale oil and the keeper")
    assert view.marked >= 1


def test_the_service_shows_stored_pdfs_only(app: DocChat, lighthouse_pdf, tmp_path):
    [pdf] = app.ingest_paths([lighthouse_pdf])
    notes = tmp_path / "notes.txt"
    notes.write_text("The bakery opens at six.", encoding="utf-8")
    [txt] = app.ingest_paths([notes])
    view = app.page_view(pdf.sha256, 2, BUILT)
    assert view is not None and view.marked >= 1
    assert app.page_view(txt.sha256, 1, "The bakery") is None  # not a PDF
    assert app.page_view("0" * 64, 1, BUILT) is None  # no such document


def test_a_passage_of_a_scan_is_marked_on_the_words_tesseract_reads_there():
    from core.ingest.loaders import load_pdf
    from tests.core.ingest.samples import SCANNED_LINES, needs_tesseract, scanned_pdf

    needs_tesseract()
    scan = scanned_pdf()
    [page] = load_pdf(scan).pages  # the passage as ingest stored it, read with OCR
    view = page_view(scan, 1, page.text)
    assert view.marked >= len(" ".join(SCANNED_LINES).split()) - 1  # a box per word (one may be misread)
    assert _amber_pixels(view.png) > 2000
    assert page_view(scan, 1, "Nothing of this stands on the scanned page at all.").marked == 0


def test_without_ocr_a_scan_shows_unmarked(monkeypatch):
    from core.ingest import ocr
    from tests.core.ingest.samples import scanned_pdf

    monkeypatch.setattr(ocr, "ocr_languages", lambda: None)
    view = page_view(scanned_pdf(), 1, "The lighthouse keeper rows to the mainland on Sundays")
    assert view.marked == 0 and view.pages == 1
