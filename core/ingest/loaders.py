"""One loader per family: pypdf for PDFs (page by page, PDFium where pypdf glued the words together, OCR
for scanned pages), charset detection for text, ``unstructured`` for Office, HTML, Markdown and CSV,
core/ingest/hwp.py for Hangul HWP and HWPX. Each returns a LoadedFile or raises IngestError with a message
a user can act on. Each reads under ``ReadLimits`` (core/ingest/limits.py): a hostile or huge file is
refused with the limit it crossed, before it costs unbounded memory or time.
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from core.i18n import joined, message_of, say, say_n
from core.ingest.errors import IngestError
from core.ingest.hwp import load_hwp, load_hwpx
from core.ingest.limits import MB, LimitExceeded, ReadBudget, ReadLimits
from core.ingest.ocr import ocr_pages
from core.ingest.pdf_text import PdfiumText, pick_text
from core.ingest.records import LoadedFile, Page
from core.ingest.sections import is_link_only_item, sections
from core.text import plural

if TYPE_CHECKING:
    from charset_normalizer import CharsetMatches
    from pypdf import PageObject, PdfReader

MIN_PRINTABLE_RATIO = 0.85
INFLATE_SLICE = 1024 * 1024  # stored streams are inflated a slice at a time, only to count and check them


def load_pdf(data: bytes, password: str | None = None, on_progress: Callable[[float], object] | None = None,
             limits: ReadLimits | None = None) -> LoadedFile:
    """Text page by page; pages without a text layer go to OCR; damage that pypdf repaired is noted.
    A page whose pypdf text has its words glued together is read by PDFium instead (core/ingest/pdf_text.py).
    ``on_progress`` (0..1) moves while pages are OCR'd, seconds each, so a long scan shows it is alive.
    pypdf decodes under our expansion limit; pages, OCR pages, characters and seconds are counted as
    they go, and the first limit crossed refuses the whole file."""
    from pypdf import apply_configuration

    limits = limits or ReadLimits()
    budget = ReadBudget(limits)
    with apply_configuration(limits.pypdf_configuration()):
        reader, password = _open_pdf(data, password, limits)
        total = len(reader.pages)
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        pages: dict[int, Page] = {}
        no_text: list[int] = []
        failed: set[int] = set()
        repaired = respaced = 0
        with PdfiumText(data, password) as pdfium:
            for number, page in enumerate(reader.pages, start=1):
                budget.check_time()
                repaired += _has_corrupt_stream(page, number, limits)  # first: a bomb is refused before any reader
                text = _page_text(page, number, limits, failed)
                if text.strip():
                    chosen = pick_text(text, number, pdfium)  # after the bomb check: PDFium inflates the page too
                    respaced += chosen.switched
                    pages[number] = _table_page(page, chosen.text, number) or Page(text=chosen.text, number=number)
                    budget.add_text(pages[number].text)
                else:
                    _check_images(page, number, limits)  # OCR renders the page: PDFium decodes its images whole
                    no_text.append(number)
    if respaced:  # the user sees better text, nothing to act on: logged, not a note
        logging.getLogger(__name__).info("%s of %d read with PDFium: pypdf ran their words together",
                                         plural(respaced, "page"), total)
    notes: list[str] = [say_n("recovered damaged data on {n} page; its text may be incomplete",
                              "recovered damaged data on {n} pages; its text may be incomplete", repaired)] \
        if repaired else []
    if no_text:
        pages.update(_ocr(data, no_text, password, notes, all_pages=not pages, failed=len(failed),
                          on_progress=on_progress, budget=budget))
    unread = len(failed - set(pages))
    if unread:
        notes.append(say("{unread} of {total} pages could not be read", unread=unread, total=total))
    return LoadedFile(kind="pdf", pages=[pages[n] for n in sorted(pages)], page_count=total,
                      note=joined("; ", notes))


def _page_text(page: PageObject, number: int, limits: ReadLimits, failed: set[int]) -> str:
    """The page's text layer; "" (and the page marked failed) when pypdf cannot read it. Going past
    one of pypdf's own safety limits refuses the file: OCR would render the same hostile page."""
    from pypdf.errors import LimitReachedError

    try:
        return page.extract_text() or ""
    except LimitReachedError as exc:
        raise LimitExceeded(say("refused: page {number} of this PDF goes past a safety limit of the PDF reader "
                                "({reason}; max_expanded_mb is {mb:,} MB)", number=number,
                                reason=str(exc).rstrip("."), mb=limits.expanded_mb)) from exc
    except Exception:  # noqa: BLE001 - one bad page must not lose the others; OCR may still read it
        failed.add(number)
        return ""


def _open_pdf(data: bytes, password: str | None, limits: ReadLimits) -> tuple[PdfReader, str | None]:
    """The reader, and the password that opened it (for the OCR renderer). The page count the file
    declares is checked before pypdf walks the page tree, and the count it finds after."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, LimitReachedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        # One --password may serve a whole batch: a copy-protected PDF (owner password only) still
        # opens with the empty user password when the one given is not its own.
        if reader.is_encrypted and not reader.decrypt(password or ""):
            if not password:
                raise IngestError(say("this PDF is password-protected; give its password to read it"),
                                  needs="password")
            if not reader.decrypt(""):
                raise IngestError(say("wrong password for this encrypted PDF"), needs="password")
            password = None
        limits.check_pages(_declared_pages(reader))
        limits.check_pages(len(reader.pages))  # a broken page tree fails here, as "damaged", not half way through
    except IngestError:
        raise
    except LimitReachedError as exc:
        raise LimitExceeded(say("refused: this PDF goes past a safety limit of the PDF reader ({reason})",
                                reason=str(exc))) from exc
    except (DependencyError, NotImplementedError) as exc:
        raise IngestError(say("this PDF's encryption cannot be opened here ({reason})", reason=str(exc))) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise IngestError(say("could not read this PDF, it may be damaged or truncated ({reason})",
                              reason=str(exc))) from exc
    return reader, password


_COMPONENTS = {"/DeviceGray": 1, "/CalGray": 1, "/DeviceRGB": 3, "/CalRGB": 3, "/Lab": 3, "/DeviceCMYK": 4}


def _check_images(page: PageObject, number: int, limits: ReadLimits) -> None:
    """Refuse a page whose images declare more pixels than the expansion limit: rendering it for OCR
    would make PDFium decode them (a 1 KB stream can declare 30,000 x 30,000 RGB, 2.5 GB)."""
    try:
        resources: Any = page["/Resources"]  # as the file has it: what is no dictionary fails here, caught below
        xobjects = resources["/XObject"]
        images = [x.get_object() for x in xobjects.values()]
        declared = sum(_image_bytes(image) for image in images if image.get("/Subtype") == "/Image")
    except Exception:  # noqa: BLE001 - no readable image dictionary: nothing declared to check
        return
    if declared > limits.expanded_bytes:
        raise limits.expansion_refusal(say("an image on page {number} of this PDF ({mb:,.0f} MB of pixels)",
                                           number=number, mb=declared / MB))


def _image_bytes(image: Mapping[str, Any]) -> int:
    """What the image decodes to at one byte per component (PDFium widens 1-bit scans to 8 bits)."""
    space = image.get("/ColorSpace")
    components = _COMPONENTS.get(space, 4) if isinstance(space, str) else 4  # unknown or indexed: counted high
    return int(image["/Width"]) * int(image["/Height"]) * components


def _declared_pages(reader: PdfReader) -> int:
    """The /Count of the page tree's root: what the file claims, known before any page is read."""
    try:
        root: Any = reader.trailer["/Root"]  # as the file has it: what is no dictionary fails here, caught below
        count = root["/Pages"]["/Count"]
    except Exception:  # noqa: BLE001 - no usable claim; the page walk that follows counts for real
        return 0
    return count if isinstance(count, int) else 0


def _has_corrupt_stream(page: PageObject, number: int, limits: ReadLimits) -> bool:
    """pypdf reads a Flate stream with a bad checksum or a broken tail by trimming it, silently
    (pdfminer issue #637). zlib on the stored bytes tells us, so the note can warn the user. The same
    pass counts what the page's streams inflate to, a slice at a time, and refuses a decompression bomb."""
    from pypdf.generic import ArrayObject, StreamObject

    try:
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        streams = [s.get_object() for s in contents] if isinstance(contents, ArrayObject) else [contents]
        stored = [StreamObject.get_data(s) for s in streams  # the stored bytes, before pypdf's repair
                  if isinstance(s, StreamObject) and s.get("/Filter") == "/FlateDecode"]
    except Exception:  # noqa: BLE001 - this check only adds a note; it must never fail a page
        return False
    room, corrupt = limits.expanded_bytes, False
    for data in stored:
        inflated, intact = _inflate_count(data, room)
        if inflated > room:
            raise limits.expansion_refusal(say("page {number} of this PDF", number=number))
        room -= inflated
        corrupt = corrupt or not intact
    return corrupt


def _inflate_count(data: bytes, cap: int) -> tuple[int, bool]:
    """(bytes the zlib stream inflates to, counted up to just past ``cap``; whether it is intact).
    Never holds more than one slice: a 1 MB stream can inflate to a gigabyte."""
    inflater = zlib.decompressobj()
    inflated, pending = 0, data
    try:
        while inflated <= cap:
            out = inflater.decompress(pending, INFLATE_SLICE)
            inflated += len(out)
            pending = inflater.unconsumed_tail
            if inflater.eof or not (out or pending):
                break
    except zlib.error:
        return inflated, False
    return inflated, inflater.eof


def _ocr(data: bytes, numbers: list[int], password: str | None, notes: list[str], *, all_pages: bool, failed: int,
         on_progress: Callable[[float], object] | None, budget: ReadBudget) -> dict[int, Page]:
    """Pages without text, read with OCR. A PDF that is all scan and stays unread is refused with
    the reason (never an empty success); a partly scanned one says in ``notes`` what was skipped.
    At most ``max_ocr_pages`` pages are read (up to minutes each): a scan longer than that is refused
    before the first, a partly scanned PDF keeps its text and says which pages were left."""
    limit = budget.limits.ocr_pages
    if all_pages and len(numbers) > limit:
        raise LimitExceeded(say("this PDF has no text layer on its {pages:,} pages, more than the {limit:,} pages "
                                "OCR reads in one file (max_ocr_pages)", pages=len(numbers), limit=limit))
    numbers, left = numbers[:limit], numbers[limit:]
    if left:
        notes.append(say_n("{n} page without text not read: OCR reads at most {limit:,} pages per file "
                           "(max_ocr_pages)",
                           "{n} pages without text not read: OCR reads at most {limit:,} pages per file "
                           "(max_ocr_pages)", len(left), limit=limit))

    def on_page(done: int, total: int) -> None:
        if on_progress:
            on_progress(done / total)
        budget.check_time()

    try:
        found = ocr_pages(data, numbers, password, on_page=on_page)
    except LimitExceeded:
        raise
    except IngestError as exc:
        why = message_of(exc)
        if all_pages and failed:
            raise IngestError(say("no page of this PDF could be read ({failed} of {pages} failed; {why})",
                                  failed=failed, pages=len(numbers), why=why)) from exc
        if all_pages:
            raise IngestError(say("this PDF has no text layer (a scan?); {why}", why=why)) from exc
        notes.append(say_n("{n} page without text skipped: {why}", "{n} pages without text skipped: {why}",
                           len(numbers), why=why))
        return {}
    if all_pages and not found:
        if failed:
            raise IngestError(say("no page of this PDF could be read ({failed} of {pages} failed)", failed=failed,
                                  pages=len(numbers)))
        raise IngestError(say("this PDF has no text layer (a scan?), and OCR found no text in it either"))
    for text in found.values():
        budget.add_text(text)
    if found:
        notes.append(say_n("{n} page read with OCR", "{n} pages read with OCR", len(found)))
    return {number: Page(text=text, number=number) for number, text in found.items()}


MIN_DIGIT_SHARE = 0.3  # a page this numeric may be a table: worth pypdf's slower layout mode
MIN_TABLE_LINE_SHARE = 0.6
_WIDE_GAP = re.compile(r"\S\s{3,}(?=\S)")
_COLUMN_GAP = re.compile(r"\s{2,}")


def _table_page(page: PageObject, text: str, number: int) -> Page | None:
    """A page that is mostly a table, re-read in layout mode so its cells stay in columns
    ("Texas | 21,550 | 56,941") instead of running together ("Texas 21,550 56,941" or worse)."""
    visible = [ch for ch in text if not ch.isspace()]
    if not visible or sum(ch.isdigit() for ch in visible) / len(visible) < MIN_DIGIT_SHARE:
        return None
    try:
        layout = page.extract_text(extraction_mode="layout")
    except Exception:  # noqa: BLE001 - the plain text is still there
        return None
    lines = [line.strip() for line in layout.splitlines() if line.strip()]
    if not lines or sum(len(_WIDE_GAP.findall(line)) >= 3 for line in lines) / len(lines) < MIN_TABLE_LINE_SHARE:
        return None
    return Page(text="\n".join(_COLUMN_GAP.sub(" | ", line) for line in lines), number=number, table=True)


# Among equally plausible encodings, the ones people actually save files in win
# (charset-normalizer alone reads short German cp1252 text as the DOS code page cp775).
PREFERRED_ENCODINGS = ("utf_8", "cp1252", "cp949", "euc_kr", "shift_jis", "gb18030", "big5", "latin_1")
CHAOS_TOLERANCE = 0.01


def _decode(data: bytes, from_bytes: Callable[[bytes], CharsetMatches]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(data))
    if not matches:
        raise IngestError(say("this looks like binary data, not text (no text encoding fits)"))
    calmest = min(m.chaos for m in matches)
    for encoding in PREFERRED_ENCODINGS:
        for match in matches:
            if match.chaos <= calmest + CHAOS_TOLERANCE and encoding in match.could_be_from_charset:
                return data.decode(encoding)
    return str(matches[0])


def load_text(data: bytes) -> LoadedFile:
    from charset_normalizer import from_bytes

    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(say("this looks like binary data, not text"))
    text = _decode(data, from_bytes)
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    if text and printable / len(text) < MIN_PRINTABLE_RATIO:
        raise IngestError(say("this looks like binary data, not text"))
    if not text.strip():
        raise IngestError(say("the file contains no text"))
    return LoadedFile(kind="txt", pages=[Page(text=text, number=None)], page_count=None)


def _partitioner(kind: str) -> Callable[..., list]:
    from core.ingest.unstructured_setup import prepare_unstructured

    prepare_unstructured()
    if kind == "docx":
        from unstructured.partition.docx import partition_docx
        return partition_docx
    if kind == "pptx":
        from unstructured.partition.pptx import partition_pptx
        return partition_pptx
    if kind == "xlsx":
        from unstructured.partition.xlsx import partition_xlsx
        return partition_xlsx
    if kind == "html":
        from unstructured.partition.html import partition_html
        return partition_html
    if kind == "md":
        from unstructured.partition.md import partition_md
        return partition_md
    if kind == "csv":
        from unstructured.partition.csv import partition_csv
        return partition_csv
    raise IngestError(say("no loader for {kind}", kind=kind))


def load_with_unstructured(kind: str, data: bytes) -> LoadedFile:
    """Sections under their headings, tables whole, pages kept where the format has them."""
    partition = _partitioner(kind)
    try:
        elements = partition(file=io.BytesIO(data))
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - parser failures become a message, not a crash
        if type(exc).__name__ == "XMLSyntaxError":  # lxml: broken XML, or an entity bomb it refused to expand
            reason = getattr(exc, "msg", str(exc)).split(", see ")[0]
            raise IngestError(say("could not read this {kind} file: its XML is broken or an XML bomb ({reason})",
                                  kind=kind.upper(), reason=reason)) from exc
        raise IngestError(say("could not read this {kind} file ({error}: {reason})", kind=kind.upper(),
                              error=type(exc).__name__, reason=str(exc))) from exc
    # A web page without its link-only list items (menus, language lists); a page of nothing else (bookmarks)
    # keeps them, since they are its content.
    pages = sections(kind, [e for e in elements if not is_link_only_item(e)]) if kind == "html" else []
    pages = pages or sections(kind, elements)
    if not pages:
        raise IngestError(say("no text found in this {kind} file", kind=kind.upper()))
    numbered = [p.number for p in pages if p.number is not None]
    return LoadedFile(kind=kind, pages=pages, page_count=max(numbered) if numbered else None)


def load(kind: str, data: bytes, password: str | None = None, on_progress: Callable[[float], object] | None = None,
         limits: ReadLimits | None = None) -> LoadedFile:
    """The file's pages; a PDF is bounded page by page, other kinds are parsed whole and then held to
    ``max_chars`` before splitting and embedding multiply their cost."""
    if kind == "pdf":
        return load_pdf(data, password, on_progress, limits)
    if kind in ("hwp", "hwpx"):  # bounded as they are read, like a PDF
        return load_hwp(data, limits) if kind == "hwp" else load_hwpx(data, limits)
    loaded = load_text(data) if kind == "txt" else load_with_unstructured(kind, data)
    (limits or ReadLimits()).check_chars(sum(len(page.text) for page in loaded.pages))
    return loaded
