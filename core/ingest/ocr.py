"""Read PDF pages that have no text layer (scans, photographed pages) with Tesseract, on this machine.

Pages are rendered by PDFium (``pypdfium2``) and read by the ``tesseract`` program through
``pytesseract``. Both stay optional: without them a scanned PDF is refused with the command that
installs OCR, never accepted as an empty document.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from core.i18n import say
from core.ingest.errors import IngestError

if TYPE_CHECKING:
    import pypdfium2 as pdfium

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-kor"
WANTED_LANGUAGES = ("eng", "kor")  # the app's users write English and Korean; Tesseract reads both at once
DPI = 300  # Tesseract is trained on ~300 dpi text; lower loses small print, higher only costs time
MAX_SIDE_PX = 5000  # a poster-sized page is scaled down rather than rendered into gigabytes
PAGE_TIMEOUT_S = 180  # one pathological page must not hold the upload forever

log = logging.getLogger(__name__)


@cache
def ocr_languages() -> str | None:
    """``eng+kor`` (or what of it is installed); None when OCR cannot run here.

    Cached: the answer only changes when packages are installed, and asking costs a process start.
    """
    if shutil.which("tesseract") is None:
        return None
    try:
        import pypdfium2  # noqa: F401 - checked here so a missing wheel reads as "OCR not installed"
        import pytesseract

        installed = set(pytesseract.get_languages(config=""))
    except (ImportError, OSError, RuntimeError) as exc:  # TesseractNotFoundError is an OSError
        log.warning("OCR unavailable: %s", exc)
        return None
    chosen = [lang for lang in WANTED_LANGUAGES if lang in installed]
    return "+".join(chosen) if chosen else None


def ocr_pages(data: bytes, numbers: list[int], password: str | None = None,
              on_page: Callable[[int, int], None] | None = None) -> dict[int, str]:
    """Text of the given 1-based pages, read with OCR; pages where nothing was recognised are left out.
    ``on_page(done, total)`` is called after each page: a page takes seconds, a long scan minutes.

    Raises IngestError when OCR is not installed, so the caller can say why a scan stays unread.
    """
    languages = ocr_languages()
    if languages is None:
        raise IngestError(say("OCR is not installed ({command})", command=INSTALL_HINT))
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError as exc:
        raise IngestError(say("could not render this PDF for OCR ({reason})", reason=str(exc))) from exc
    found: dict[int, str] = {}
    try:
        for done, number in enumerate(numbers, start=1):
            try:
                text = _read_page(document, number, languages)
            except (pdfium.PdfiumError, RuntimeError, OSError) as exc:  # a timeout is a RuntimeError
                log.warning("OCR failed on page %d: %s", number, exc)
                text = ""
            if on_page:
                on_page(done, len(numbers))
            if text.strip():
                found[number] = text
    finally:
        document.close()
    return found


def _read_page(document: pdfium.PdfDocument, number: int, languages: str) -> str:
    import pytesseract

    page = document[number - 1]
    try:
        image, _ = _rendered(page)
        return pytesseract.image_to_string(image, lang=languages, timeout=PAGE_TIMEOUT_S)
    finally:
        page.close()


def _rendered(page: pdfium.PdfPage) -> tuple[Any, float]:
    """The page as Tesseract reads it, and the pixels per PDF point it was drawn at."""
    width, height = page.get_size()
    scale = min(DPI / 72, MAX_SIDE_PX / max(width, height, 1))
    return page.render(scale=scale, grayscale=True).to_pil(), scale


@dataclass(frozen=True)
class Word:
    text: str
    box: tuple[float, float, float, float]  # left, bottom, right, top in PDF points, origin bottom left


def ocr_words(page: pdfium.PdfPage, languages: str) -> list[Word]:
    """The words Tesseract reads on ``page``, in reading order, each with its box: where "Show on the
    page" marks a passage of a scan, which has no text layer to look it up in. The page is drawn as
    ingest drew it, so the words are those the stored passage was made of."""
    import pytesseract

    image, scale = _rendered(page)
    data = pytesseract.image_to_data(image, lang=languages, timeout=PAGE_TIMEOUT_S,
                                     output_type=pytesseract.Output.DICT)
    height = page.get_size()[1]
    return [Word(text, (left / scale, height - (top + tall) / scale, (left + wide) / scale, height - top / scale))
            for text, left, top, wide, tall in zip(data["text"], data["left"], data["top"], data["width"],
                                                  data["height"], strict=True)
            if text.strip()]
