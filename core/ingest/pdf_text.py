"""Which text layer a PDF page keeps: pypdf's, or PDFium's where pypdf glued the words together.

pypdf decides where a space goes from the font's width for character 32. TeX fonts put some other
glyph there (497 units in the corpus's German lecture notes), so a justified line whose word gaps are
kerning offsets of ~230 units comes out as "DieGruppenoperationvonGaufX" (issue 18), and neither the
keyword leg nor the embedder can find a word on that page. PDFium places spaces from the glyphs'
positions instead. It has its own faults (superscripts on lines of their own, "6=" for "≠"), so it
replaces pypdf's text only on pages where pypdf's is measurably glued and PDFium's measurably is not.
``bench/pdf_text.py`` prints the scores for every PDF in the corpus.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pypdfium2 as pdfium

# A token of more letters than this is taken for words run together. Real German compounds reach 24-25
# letters ("Zusammenhangskomponenten", "Decktransformationsgruppe"): at 20, 23 of the German notes' 117
# pages scored poor; at 24, 7 do (15, 63, 64, 66, 79, 109, 115), and the comparison below keeps pypdf's
# text on the four whose long tokens are real words or file names (bench/pdf_text.py).
MAX_WORD_LETTERS = 24
# Up to this share of letters in glued tokens a page is left alone without asking PDFium: one long
# compound or file name in a page of ~1,000 letters scores 0.02-0.03, the glued German pages 0.05-0.08.
# PDFium is cheap (~3 ms a page), so the bar sits low and the comparison does the choosing.
POOR_SHARE = 0.02
# PDFium's text must cut the glued share at least in half: page 109 of the German notes (file names,
# long in both readers) goes 0.126 -> 0.076 and keeps pypdf's text; pages 15, 66 and 79 go to 0.
MIN_GAIN = 0.5
# ... and keep nearly all of pypdf's letters: a reader that drops text also drops glued tokens. On the
# corpus's text pages PDFium finds 77-104 % of pypdf's letters (77 %: page 40 of the German notes, a
# figure), within 5 % on all other pages of 200+ letters.
MIN_KEPT_LETTERS = 0.9

_TOKEN_BREAK = re.compile(r"[\s/]+")  # a path or URL is split at its slashes: each part is one "word"
_SOFT_HYPHEN_BREAK = re.compile("\ufffe\r?\n?")  # PDFium's mark for a word hyphenated at the line end
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # glyphs PDFium could not map, as control characters

log = logging.getLogger(__name__)


def _counts(ch: str) -> bool:
    """Letters of scripts written with spaces between words. Chinese and Japanese are written without
    them, so a long run of their characters says nothing about lost spaces (Hangul is spaced: counted)."""
    code = ord(ch)
    unspaced = 0x2E80 <= code < 0xAC00 or 0xF900 <= code < 0xFB00 or 0x20000 <= code < 0x30000
    return ch.isalpha() and not unspaced


def clean_pdfium_text(text: str) -> str:
    """PDFium's text in pypdf's conventions: lines end in "\n" (not "\r\n"), a word hyphenated at the
    line end is joined ("Drei\ufffe\r\necke" -> "Dreiecke", so the keyword leg finds it), and control
    characters (unmapped glyphs, form feeds) are dropped."""
    text = _SOFT_HYPHEN_BREAK.sub("", text.replace("\r\n", "\n"))
    return _CONTROL.sub("", text)


def letter_count(text: str) -> int:
    return sum(_counts(ch) for ch in text)


def glued_share(text: str) -> float:
    """Share of the text's letters that sit in tokens longer than any real word: 0.0 for well spaced
    text, towards 1.0 when the spaces between words were lost. A plain, language-free measure: no
    dictionary, so it reads German, Korean and formulas alike."""
    total = glued = 0
    for token in _TOKEN_BREAK.split(text):
        letters = letter_count(token)
        total += letters
        if letters > MAX_WORD_LETTERS:
            glued += letters
    return glued / total if total else 0.0


@dataclass(frozen=True)
class PageText:
    """The text a page keeps, where it came from, and the glued share of pypdf's text and of the kept one."""

    text: str
    source: str  # "pypdf" or "pdfium"
    before: float
    after: float

    @property
    def switched(self) -> bool:
        return self.source != "pypdf"


class PdfiumText:
    """PDFium's text of single pages, the document opened on the first page asked for (most PDFs
    never need it) and closed with the context. A page PDFium cannot read gives "" (pypdf's text stays)."""

    def __init__(self, data: bytes, password: str | None = None) -> None:
        self._data, self._password = data, password
        self._document: pdfium.PdfDocument | None = None
        self._unreadable = False

    def __enter__(self) -> PdfiumText:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def page(self, number: int) -> str:
        """Text of the 1-based page ``number``."""
        import pypdfium2 as pdfium

        try:
            if self._document is None and not self._unreadable:
                self._document = pdfium.PdfDocument(self._data, password=self._password)
            if self._document is None:
                return ""
            page = self._document[number - 1]
            try:
                textpage = page.get_textpage()
                try:
                    return clean_pdfium_text(textpage.get_text_range())
                finally:
                    textpage.close()
            finally:
                page.close()
        except (pdfium.PdfiumError, IndexError, RuntimeError, OSError) as exc:
            self._unreadable = self._unreadable or self._document is None
            log.info("PDFium could not read page %d: %s", number, exc)
            return ""

    def close(self) -> None:
        if self._document is not None:
            self._document.close()
            self._document = None


def pick_text(pypdf_text: str, number: int, pdfium: PdfiumText) -> PageText:
    """pypdf's text, unless it is glued and PDFium's text of the same page is clearly less so while
    keeping its letters. Well spaced pages (nearly all) never reach PDFium and are returned unchanged."""
    before = glued_share(pypdf_text)
    if before <= POOR_SHARE:
        return PageText(pypdf_text, "pypdf", before, before)
    other = pdfium.page(number)
    after = glued_share(other)
    if after <= before * MIN_GAIN and letter_count(other) >= MIN_KEPT_LETTERS * letter_count(pypdf_text):
        return PageText(other, "pdfium", before, after)
    return PageText(pypdf_text, "pypdf", before, before)
