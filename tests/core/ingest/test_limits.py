"""Issue 15, hostile and oversized documents: a file over one of the read limits (expansion, pages,
OCR pages, characters, seconds, upload size) is refused with one sentence naming the setting, before
it costs unbounded memory or time. OCR is faked here: what counts is which pages reach it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from core.ingest import limits, loaders
from core.ingest.errors import IngestError
from core.ingest.limits import LimitExceeded, ReadLimits
from core.ingest.loaders import load, load_pdf
from core.ingest.records import Upload
from core.service import DocChat
from tests.conftest import make_pdf
from tests.core.ingest.samples import blank_pages_pdf, flate_bomb_pdf, image_bomb_pdf, scanned_pdf

TEXT = "Marta Quell keeps the Skarvoy lighthouse and rows to the mainland on Sundays."


class Clock:
    """The limits module's clock, moved by the test: a slow page without sleeping or timing."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(limits, "time", fake)
    return fake


@pytest.fixture
def fake_ocr(monkeypatch):
    """Stands in for Tesseract: records the pages asked for, reads each as one line of text, and
    takes ``seconds_per_page`` of a fake ``clock`` (a slow scan) when a test sets both."""
    class FakeOcr:
        asked: list[int] = []
        read: list[int] = []
        seconds_per_page = 0.0
        clock: Clock | None = None

        def __call__(self, data, numbers, password=None, on_page=None):
            self.asked.extend(numbers)
            found = {}
            for done, number in enumerate(numbers, start=1):
                if self.clock:
                    self.clock.now += self.seconds_per_page
                self.read.append(number)
                found[number] = f"Scanned page {number} of the keeper's log."
                if on_page:
                    on_page(done, len(numbers))
            return found

    fake = FakeOcr()
    fake.asked, fake.read = [], []
    monkeypatch.setattr(loaders, "ocr_pages", fake)
    return fake


def _pdf(tmp_path: Path, pages: list[str]) -> bytes:
    return make_pdf(tmp_path / "made.pdf", pages).read_bytes()


def test_a_content_stream_that_inflates_past_the_limit_is_refused_before_pypdf_or_ocr_inflates_it(fake_ocr):
    bomb = flate_bomb_pdf(3)  # 3 MB of spaces in a 3 KB file
    assert len(bomb) < 10_000
    with pytest.raises(LimitExceeded, match=r"^refused: page 1 of this PDF expands to more than 2 MB "
                                            r"\(max_expanded_mb\); it looks like a decompression bomb$"):
        load_pdf(bomb, limits=ReadLimits(expanded_mb=2))
    assert fake_ocr.asked == []
    assert load_pdf(flate_bomb_pdf(1), limits=ReadLimits(expanded_mb=2)).page_count == 1  # within: read (by OCR)


def test_pypdf_decodes_under_our_expansion_limit_too(fake_ocr):
    """A filter written as an array is read by pypdf's decoder alone: its own cap must be ours, not its 75 MB."""
    with pytest.raises(LimitExceeded, match=r"refused: page 1 of this PDF goes past a safety limit .*max_expanded_mb"):
        load_pdf(flate_bomb_pdf(3, filters=b"[/FlateDecode]"), limits=ReadLimits(expanded_mb=2))
    assert fake_ocr.asked == []


def test_a_page_whose_image_declares_more_pixels_than_the_limit_never_reaches_ocr(fake_ocr):
    with pytest.raises(LimitExceeded, match=r"^refused: an image on page 1 of this PDF \(2,575 MB of pixels\) expands "
                                            r"to more than 300 MB \(max_expanded_mb\)"):
        load_pdf(image_bomb_pdf(30_000, 30_000))
    assert fake_ocr.asked == []
    assert load_pdf(scanned_pdf(), limits=ReadLimits(expanded_mb=5)).note == "1 page read with OCR"  # 2 MB of pixels


def test_a_stream_within_the_limit_is_read_as_before(fake_ocr, tmp_path):
    loaded = load_pdf(_pdf(tmp_path, [TEXT]), limits=ReadLimits(expanded_mb=1))
    assert "Skarvoy" in loaded.pages[0].text and loaded.note == ""


def test_more_pages_than_max_pages_is_refused_before_any_page_is_read(tmp_path, monkeypatch):
    from pypdf import PageObject

    monkeypatch.setattr(PageObject, "extract_text", lambda *a, **k: pytest.fail("a page was read"))
    with pytest.raises(LimitExceeded, match=r"^this PDF has 4 pages, more than the 3-page limit \(max_pages\)$"):
        load_pdf(_pdf(tmp_path, [TEXT] * 4), limits=ReadLimits(pages=3))


def test_a_pdf_that_understates_its_page_count_is_refused_by_the_pages_it_has(monkeypatch):
    from pypdf import PageObject

    monkeypatch.setattr(PageObject, "extract_text", lambda *a, **k: pytest.fail("a page was read"))
    with pytest.raises(LimitExceeded, match=r"this PDF has 6 pages, more than the 5-page limit \(max_pages\)"):
        load_pdf(blank_pages_pdf(6, declared=1), limits=ReadLimits(pages=5))


def test_100000_blank_pages_in_600_kb_are_refused_at_once_by_default():
    data = blank_pages_pdf(100_000)
    assert len(data) < 1024 * 1024
    with pytest.raises(LimitExceeded, match=r"this PDF has 100,000 pages, more than the 5,000-page limit"):
        load_pdf(data)


def test_a_scan_longer_than_max_ocr_pages_is_refused_before_any_page_is_ocrd(fake_ocr):
    with pytest.raises(LimitExceeded, match=r"^this PDF has no text layer on its 5 pages, more than the 3 pages "
                                            r"OCR reads in one file \(max_ocr_pages\)$"):
        load_pdf(blank_pages_pdf(5), limits=ReadLimits(ocr_pages=3))
    assert fake_ocr.asked == []


def test_a_partly_scanned_pdf_ocrs_at_most_max_ocr_pages_and_says_what_it_left(fake_ocr, tmp_path):
    loaded = load_pdf(_pdf(tmp_path, [TEXT, "", "", "", "", ""]), limits=ReadLimits(ocr_pages=2))
    assert fake_ocr.asked == [2, 3]
    assert [p.number for p in loaded.pages] == [1, 2, 3] and loaded.page_count == 6
    assert loaded.note == ("3 pages without text not read: OCR reads at most 2 pages per file (max_ocr_pages); "
                           "2 pages read with OCR")


def test_text_past_max_chars_is_refused(tmp_path):
    with pytest.raises(LimitExceeded, match=r"^refused: this file holds more than 100 characters of text "
                                            r"\(max_chars\)$"):
        load_pdf(_pdf(tmp_path, [TEXT] * 3), limits=ReadLimits(chars=100))
    assert load_pdf(_pdf(tmp_path, [TEXT]), limits=ReadLimits(chars=100)).pages


def test_ocr_text_counts_towards_max_chars(fake_ocr):
    with pytest.raises(LimitExceeded, match=r"more than 60 characters of text \(max_chars\)"):
        load_pdf(blank_pages_pdf(3), limits=ReadLimits(chars=60))


@pytest.mark.parametrize("kind", ["txt", "md"])
def test_other_kinds_are_held_to_max_chars_too(kind):
    with pytest.raises(LimitExceeded, match=r"more than 100 characters of text \(max_chars\)"):
        load(kind, (TEXT + "\n\n").encode() * 3, limits=ReadLimits(chars=100))


def test_reading_stops_between_pages_after_max_read_seconds(tmp_path, monkeypatch, clock):
    from pypdf import PageObject

    real = PageObject.extract_text
    read: list[int] = []

    def slow_page(page, *args, **kwargs):
        read.append(1)
        clock.now += 10  # ten seconds a page
        return real(page, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", slow_page)
    with pytest.raises(LimitExceeded, match=r"^refused: reading this file took longer than 25 s "
                                            r"\(max_read_seconds\)$"):
        load_pdf(_pdf(tmp_path, [TEXT] * 5), limits=ReadLimits(seconds=25))
    assert len(read) == 3


def test_ocr_stops_between_pages_after_max_read_seconds(fake_ocr, clock):
    fake_ocr.clock, fake_ocr.seconds_per_page = clock, 100  # a slow scan: 100 s a page
    with pytest.raises(LimitExceeded, match=r"took longer than 150 s \(max_read_seconds\)"):
        load_pdf(blank_pages_pdf(4), limits=ReadLimits(seconds=150))
    assert fake_ocr.read == [1, 2]


def test_a_file_on_disk_over_max_upload_mb_is_refused_without_reading_it(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with big.open("wb") as file:
        file.truncate(1024 * 1024 + 1)  # sparse: 1 MB + 1 byte that take no disk space
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} was read"))
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: pytest.fail(f"{self} was opened"))
    with pytest.raises(IngestError, match=r"^file is 1\.0 MB, larger than the 1 MB limit \(max_upload_mb\)$"):
        Upload(str(big), path=big).read(max_upload_mb=1)


def test_the_cli_path_refuses_a_big_file_without_reading_it(settings, fake_embeddings, tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with big.open("wb") as file:
        file.truncate(2 * 1024 * 1024)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} was read"))
    app = DocChat(settings.replace(max_upload_mb=1), embeddings=fake_embeddings)
    [result] = app.ingest_paths([big])
    assert not result.ok and result.message == "file is 2.0 MB, larger than the 1 MB limit (max_upload_mb)"


def _stored_docx(mb: int) -> bytes:
    """A .docx-shaped ZIP that does not compress (stored): past a size limit without looking like a bomb."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", bytes(range(256)) * (mb * 4096))
    return out.getvalue()


@pytest.mark.parametrize("setting, value, data, expect", [
    ("max_expanded_mb", 2, lambda tmp: _stored_docx(3),
     "would expand to 3 MB when unzipped (1:1; limits 2 MB (max_expanded_mb) and 100:1)"),
    ("max_expanded_mb", 2, lambda tmp: flate_bomb_pdf(3), "expands to more than 2 MB (max_expanded_mb)"),
    ("max_pages", 1, lambda tmp: _pdf(tmp, [TEXT, TEXT]), "more than the 1-page limit (max_pages)"),
    ("max_ocr_pages", 1, lambda tmp: blank_pages_pdf(2), "(max_ocr_pages)"),
    ("max_chars", 50, lambda tmp: _pdf(tmp, [TEXT]), "more than 50 characters of text (max_chars)"),
])
def test_the_pipeline_reads_under_the_settings_limits(settings, fake_embeddings, tmp_path, setting, value, data,
                                                       expect):
    suffix = "docx" if setting == "max_expanded_mb" and "unzipped" in expect else "pdf"
    app = DocChat(settings.replace(**{setting: value}), embeddings=fake_embeddings)
    result = app.ingest_file(f"hostile.{suffix}", data(tmp_path))
    assert not result.ok and expect in result.message, result.message
    assert app.store.documents() == []
