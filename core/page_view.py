"""A cited PDF page as an image with the passage's lines marked: what "Show on the page" opens.

Positions come from the page's own text layer (pdfium's character boxes, the same layer ingest read
the text from), found for the passage's text with whitespace and case set aside. A passage split
differently from the page (a hyphen joined, a heading in front) is looked for line by line, so the
lines that are on the page are still marked. A page with no text layer (a scan) is read again with
Tesseract, as ingest read it, and the passage is marked on the words it reports; without OCR it
shows unmarked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pypdfium2 as pdfium

MAX_WIDTH_PX = 1400  # wide enough to read, small enough to send to the browser (~300 KB)
MAX_SCALE = 2.0
MIN_PIECE = 12  # a line shorter than this would mark every place the same few words stand
MARK = (255, 200, 0, 90)  # translucent amber over the text


@dataclass(frozen=True)
class PageView:
    png: bytes
    marked: int  # how many boxes were marked (0: the passage was not found in the text layer)
    page: int
    pages: int


def page_view(pdf: bytes, page: int, passage: str) -> PageView:
    """The 1-based ``page`` of ``pdf`` rendered, with ``passage`` marked where the text layer has it.
    Raises ValueError for a page the file does not have."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    document = pdfium.PdfDocument(pdf)
    try:
        if not 1 <= page <= len(document):
            raise ValueError(f"the file has {len(document)} pages, not a page {page}")
        sheet = document[page - 1]
        width, height = sheet.get_width(), sheet.get_height()
        scale = min(MAX_SCALE, MAX_WIDTH_PX / max(width, 1.0))
        textpage = sheet.get_textpage()
        boxes = _boxes(textpage, passage)
        if not boxes and not textpage.get_text_range().strip():
            boxes = _ocr_boxes(sheet, passage)
        image = sheet.render(scale=scale).to_pil().convert("RGBA")
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for left, bottom, right, top in boxes:  # PDF points, origin bottom left; pixels, origin top left
            draw.rectangle([left * scale - 1, (height - top) * scale - 1, right * scale + 1,
                            (height - bottom) * scale + 1], fill=MARK)
        out = io.BytesIO()
        Image.alpha_composite(image, overlay).convert("RGB").save(out, format="PNG", optimize=True)
        return PageView(out.getvalue(), len(boxes), page, len(document))
    finally:
        document.close()


def _boxes(textpage: pdfium.PdfTextPage, passage: str) -> list[tuple[float, float, float, float]]:
    """The text layer's rectangles (PDF points) covering the passage, or its lines found one by one."""
    rects: list[tuple[float, float, float, float]] = []
    for start, end in _spans(textpage.get_text_range(), passage):
        for i in range(textpage.count_rects(start, end - start)):
            left, bottom, right, top = textpage.get_rect(i)
            rects.append((left, bottom, right, top))
    return rects


def _ocr_boxes(sheet: pdfium.PdfPage, passage: str) -> list[tuple[float, float, float, float]]:
    """For a page with no text layer (a scan): the boxes of the words Tesseract reads there that make
    up the passage, as ingest read them; none when OCR is not installed here."""
    from core.ingest.ocr import ocr_languages, ocr_words

    languages = ocr_languages()
    if languages is None:
        return []
    try:
        words = ocr_words(sheet, languages)
    except (RuntimeError, OSError):  # a timeout, or Tesseract gone meanwhile: shown unmarked
        return []
    text, owner = "", []
    for n, word in enumerate(words):
        text += word.text + " "
        owner += [n] * (len(word.text) + 1)
    covered = sorted({owner[i] for start, end in _spans(text, passage) for i in range(start, end)})
    return [words[n].box for n in covered]


def _spans(text: str, passage: str) -> list[tuple[int, int]]:
    """Where in ``text`` the passage stands, whitespace and case set aside: the whole passage, or
    each of its lines that is long enough to be found in one place only."""
    flat, where = _flatten(text)
    pieces = [passage] + [line for line in passage.splitlines() if len(line.strip()) >= MIN_PIECE]
    spans: list[tuple[int, int]] = []
    for piece in pieces:
        needle, _ = _flatten(piece)
        at = flat.find(needle) if len(needle) >= MIN_PIECE else -1
        if at >= 0:
            spans.append((where[at], where[at + len(needle) - 1] + 1))
            if piece is passage:
                break
    return spans


def _flatten(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased with every run of whitespace made one space, and for each kept character
    its index in ``text`` (so a match in the flat text maps back to the text layer's characters)."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            continue
        out.append(ch.lower())
        where.append(i)
    if out and out[-1] == " ":  # a space is only ever added after a character, so none leads
        out.pop()
        where.pop()
    return "".join(out), where
