"""Scanned PDFs: read with Tesseract when it is installed, refused with the install command when not."""

import io

import pytest

from core.ingest import ocr
from core.ingest.errors import IngestError
from core.ingest.loaders import load_pdf
from tests.conftest import make_pdf
from tests.core.ingest.samples import needs_tesseract, scanned_pdf, with_scanned_page


@pytest.fixture
def no_tesseract(monkeypatch):
    """As on a machine without the apt packages: ``tesseract`` is not on PATH."""
    ocr.ocr_languages.cache_clear()
    monkeypatch.setattr(ocr.shutil, "which", lambda _name: None)
    yield
    ocr.ocr_languages.cache_clear()


def test_languages_are_english_and_korean_when_installed():
    languages = needs_tesseract()
    assert languages.split("+")[0] == "eng"


def test_a_generated_scan_is_read_with_ocr():
    needs_tesseract()
    loaded = load_pdf(scanned_pdf())
    text = " ".join(p.text for p in loaded.pages).lower()
    assert "lighthouse" in text and "sundays" in text
    assert loaded.page_count == 1 and loaded.pages[0].number == 1
    assert loaded.note == "1 page read with OCR"


@pytest.mark.integration  # ~7 s: a real 800x981 scan, in eng+kor
def test_the_corpus_scan_is_read_with_ocr(corpus):
    needs_tesseract()
    loaded = load_pdf((corpus / "pdf" / "scanned-no-text_c02-22.pdf").read_bytes())
    text = " ".join(p.text for p in loaded.pages).lower()
    assert "tip-toe" in text and "widow" in text  # Huckleberry Finn p. 22
    assert "read with OCR" in loaded.note


def test_only_pages_without_text_go_to_ocr_and_progress_moves_with_them(tmp_path):
    needs_tesseract()
    text_pdf = make_pdf(tmp_path / "a.pdf", ["Marta Quell keeps the Skarvoy lighthouse."]).read_bytes()
    progress: list[float] = []
    loaded = load_pdf(with_scanned_page(text_pdf), on_progress=progress.append)
    assert progress == [1.0]  # one page went to OCR
    assert [p.number for p in loaded.pages] == [1, 2]
    assert "Skarvoy" in loaded.pages[0].text and "lighthouse" in loaded.pages[1].text.lower()
    assert loaded.note == "1 page read with OCR"


def test_without_tesseract_a_scan_is_refused_with_the_install_command(no_tesseract):
    with pytest.raises(IngestError) as refused:
        load_pdf(scanned_pdf())
    message = str(refused.value)
    assert message.startswith("this PDF has no text layer (a scan?); OCR is not installed")
    assert "apt-get install tesseract-ocr tesseract-ocr-kor" in message


def test_without_tesseract_a_partly_scanned_pdf_keeps_its_text_and_says_what_it_skipped(no_tesseract, tmp_path):
    text_pdf = make_pdf(tmp_path / "a.pdf", ["Marta Quell keeps the Skarvoy lighthouse."]).read_bytes()
    loaded = load_pdf(with_scanned_page(text_pdf))
    assert [p.number for p in loaded.pages] == [1]
    assert loaded.note.startswith("1 page without text skipped: OCR is not installed")


def test_a_blank_pdf_is_not_an_empty_success(tmp_path):
    blank = make_pdf(tmp_path / "blank.pdf", [""]).read_bytes()
    with pytest.raises(IngestError, match="no text layer"):
        load_pdf(blank)


def test_a_copy_protected_scan_is_read_even_with_a_batch_password():
    needs_tesseract()
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(scanned_pdf())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    locked = io.BytesIO()
    writer.write(locked)
    loaded = load_pdf(locked.getvalue(), password="for-another-file")
    assert "lighthouse" in loaded.pages[0].text.lower() and loaded.note == "1 page read with OCR"
