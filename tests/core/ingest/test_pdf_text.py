"""Pages whose pypdf text runs the words together are read by PDFium; every other page keeps pypdf's
text exactly (issue 18)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from core.ingest import limits
from core.ingest.limits import LimitExceeded, ReadLimits
from core.ingest.loaders import load_pdf
from core.ingest.pdf_text import POOR_SHARE, PdfiumText, clean_pdfium_text, glued_share, pick_text
from tests.core.ingest.samples import GLUED_WORDS, glued_words_pdf

SPACED = " ".join(GLUED_WORDS)
GLUED = "".join(GLUED_WORDS)


def _pypdf_text(data: bytes, index: int = 0) -> str:
    return PdfReader(io.BytesIO(data)).pages[index].extract_text()


def _joined(first: bytes, second: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(first)))
    writer.append(PdfReader(io.BytesIO(second)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class NoPdfium(PdfiumText):
    """Fails the test if asked: a well spaced page must never cost a second reader."""

    def __init__(self) -> None:
        super().__init__(b"")

    def page(self, number: int) -> str:
        raise AssertionError(f"PDFium was asked for page {number}")


class FixedPdfium(PdfiumText):
    def __init__(self, text: str) -> None:
        super().__init__(b"")
        self.text = text

    def page(self, number: int) -> str:
        return self.text


def test_the_sample_is_glued_by_pypdf_and_spaced_by_pdfium():
    data = glued_words_pdf()
    assert GLUED in _pypdf_text(data)  # the failure of issue 18, reproduced
    with PdfiumText(data) as pdfium:
        assert SPACED in pdfium.page(1)


def test_glued_pdf_page_is_loaded_with_its_spaces():
    loaded = load_pdf(glued_words_pdf())
    assert SPACED in loaded.pages[0].text
    assert loaded.note == ""  # better text is nothing the user has to act on


def test_glued_share_tells_spaced_from_glued_text():
    assert glued_share("The keeper rows to the mainland on Sundays and buys lamp oil.") == 0.0
    # German compounds of up to 24 letters are words, not glue
    assert glued_share("Die Zusammenhangskomponenten und Gruppenhomomorphismen sind stetig.") == 0.0
    assert glued_share("등대지기 마르타는 일요일마다 본토로 노를 저어 갑니다.") == 0.0
    assert glued_share("灯塔看守人每个星期天划船去大陆买灯油，这是他多年来的习惯。") == 0.0  # written unspaced
    assert glued_share("see https://tex.stackexchange.com/questions/42865/long-path") == 0.0
    assert glued_share(GLUED) == 1.0
    half = glued_share(f"{GLUED} {SPACED}")
    assert 0.4 < half < 0.6
    assert glued_share("") == 0.0


def test_a_good_page_keeps_pypdf_text_unchanged_next_to_a_glued_one(lighthouse_pdf):
    good = lighthouse_pdf.read_bytes()
    mixed = _joined(good, glued_words_pdf())
    loaded = load_pdf(mixed)
    assert [page.text for page in loaded.pages[:2]] == [_pypdf_text(good, 0), _pypdf_text(good, 1)]  # as pypdf read
    assert SPACED in loaded.pages[2].text


def test_a_well_spaced_page_never_asks_pdfium(lighthouse_pdf):
    text = _pypdf_text(lighthouse_pdf.read_bytes())
    chosen = pick_text(text, 1, NoPdfium())
    assert (chosen.text, chosen.source, chosen.switched) == (text, "pypdf", False)


def test_pdfium_text_reads_like_pypdf_text():
    raw = "(b) Zwei weitere kongruente Drei\ufffe\r\necke\r\nAbbildung 4.14:\x0c Fl\x04chen"
    assert clean_pdfium_text(raw) == "(b) Zwei weitere kongruente Dreiecke\nAbbildung 4.14: Flchen"


def test_pdfium_text_is_kept_only_when_clearly_better():
    assert glued_share(GLUED) > POOR_SHARE
    better = pick_text(GLUED, 1, FixedPdfium(SPACED))
    assert (better.text, better.source, better.before, better.after) == (SPACED, "pdfium", 1.0, 0.0)
    assert pick_text(GLUED, 1, FixedPdfium(GLUED)).text == GLUED  # glued in both readers
    assert pick_text(GLUED, 1, FixedPdfium("The keeper")).text == GLUED  # PDFium lost most of the page
    assert pick_text(GLUED, 1, FixedPdfium("")).text == GLUED  # PDFium could not read it


def test_pdfium_reads_an_encrypted_glued_pdf_with_its_password():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(glued_words_pdf())))
    writer.encrypt(user_password="1234", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    assert SPACED in load_pdf(out.getvalue(), password="1234").pages[0].text


def test_pdfium_pages_count_against_max_read_seconds(monkeypatch):
    class Clock:
        now = 1000.0

        def monotonic(self) -> float:
            return self.now

    clock = Clock()
    monkeypatch.setattr(limits, "time", clock)
    asked: list[int] = []

    def slow_page(self, number: int) -> str:
        asked.append(number)
        clock.now += 10  # ten seconds a page in PDFium
        return SPACED

    monkeypatch.setattr(PdfiumText, "page", slow_page)
    with pytest.raises(LimitExceeded, match="max_read_seconds"):
        load_pdf(glued_words_pdf(pages=5), limits=ReadLimits(seconds=25))
    assert asked == [1, 2, 3]  # refused before the fourth page, not after the whole file
