"""One loader per family: pypdf for PDFs (page by page, OCR for scanned pages), charset detection for text,
``unstructured`` for Office, HTML, Markdown and CSV. Each returns a LoadedFile or raises
IngestError with a message a user can act on.
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.ingest.errors import IngestError
from core.ingest.ocr import ocr_pages
from core.ingest.records import LoadedFile, Page
from core.ingest.sections import sections
from core.text import plural

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader

MIN_PRINTABLE_RATIO = 0.85


def load_pdf(data: bytes, password: str | None = None, on_progress: Callable[[float], None] | None = None
             ) -> LoadedFile:
    """Text page by page; pages without a text layer go to OCR; damage that pypdf repaired is noted.
    ``on_progress`` (0..1) moves while pages are OCR'd, seconds each, so a long scan shows it is alive."""
    reader, password = _open_pdf(data, password)
    total = len(reader.pages)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    pages: dict[int, Page] = {}
    no_text: list[int] = []
    failed: set[int] = set()
    repaired = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:  # noqa: BLE001 - one bad page must not lose the others; OCR may still read it
            failed.add(number)
            text = ""
        repaired += _has_corrupt_stream(page)
        if text.strip():
            pages[number] = _table_page(page, text, number) or Page(text=text, number=number)
        else:
            no_text.append(number)
    notes = [f"recovered damaged data on {plural(repaired, 'page')}; its text may be incomplete"] if repaired else []
    if no_text:
        pages.update(_ocr(data, no_text, password, notes, all_pages=not pages, failed=len(failed),
                          on_progress=on_progress))
    unread = len(failed - set(pages))
    if unread:
        notes.append(f"{unread} of {total} pages could not be read")
    return LoadedFile(kind="pdf", pages=[pages[n] for n in sorted(pages)], page_count=total,
                      note="; ".join(notes))


def _open_pdf(data: bytes, password: str | None) -> tuple[PdfReader, str | None]:
    """The reader, and the password that opened it (for the OCR renderer)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        # One --password may serve a whole batch: a copy-protected PDF (owner password only) still
        # opens with the empty user password when the one given is not its own.
        if reader.is_encrypted and not reader.decrypt(password or ""):
            if not password:
                raise IngestError("this PDF is password-protected; give its password to read it", needs="password")
            if not reader.decrypt(""):
                raise IngestError("wrong password for this encrypted PDF", needs="password")
            password = None
        len(reader.pages)  # a broken page tree fails here, as "damaged", not half way through
    except IngestError:
        raise
    except (DependencyError, NotImplementedError) as exc:
        raise IngestError(f"this PDF's encryption cannot be opened here ({exc})") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise IngestError(f"could not read this PDF, it may be damaged or truncated ({exc})") from exc
    return reader, password


def _has_corrupt_stream(page: PageObject) -> bool:
    """pypdf reads a Flate stream with a bad checksum or a broken tail by trimming it, silently
    (pdfminer issue #637). zlib on the stored bytes tells us, so the note can warn the user."""
    from pypdf.generic import ArrayObject, StreamObject

    try:
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        streams = [s.get_object() for s in contents] if isinstance(contents, ArrayObject) else [contents]
        for stream in streams:
            if isinstance(stream, StreamObject) and stream.get("/Filter") == "/FlateDecode":
                zlib.decompress(StreamObject.get_data(stream))  # the stored bytes, before pypdf's repair
    except zlib.error:
        return True
    except Exception:  # noqa: BLE001 - this check only adds a note; it must never fail a page
        return False
    return False


def _ocr(data: bytes, numbers: list[int], password: str | None, notes: list[str], *,
         all_pages: bool, failed: int, on_progress: Callable[[float], None] | None) -> dict[int, Page]:
    """Pages without text, read with OCR. A PDF that is all scan and stays unread is refused with
    the reason (never an empty success); a partly scanned one says in ``notes`` what was skipped."""
    try:
        found = ocr_pages(data, numbers, password,
                          on_page=(lambda done, total: on_progress(done / total)) if on_progress else None)
    except IngestError as exc:
        if all_pages and failed:
            raise IngestError(f"no page of this PDF could be read ({failed} of {len(numbers)} failed; {exc})") from exc
        if all_pages:
            raise IngestError(f"this PDF has no text layer (a scan?); {exc}") from exc
        notes.append(f"{plural(len(numbers), 'page')} without text skipped: {exc}")
        return {}
    if all_pages and not found:
        if failed:
            raise IngestError(f"no page of this PDF could be read ({failed} of {len(numbers)} failed)")
        raise IngestError("this PDF has no text layer (a scan?), and OCR found no text in it either")
    if found:
        notes.append(f"{plural(len(found), 'page')} read with OCR")
    return {number: Page(text=text, number=number) for number, text in found.items()}


MIN_DIGIT_SHARE = 0.3  # a page this numeric may be a table: worth pypdf's slower layout mode
MIN_TABLE_LINE_SHARE = 0.6
_WIDE_GAP = re.compile(r"\S\s{3,}(?=\S)")
_COLUMN_GAP = re.compile(r"\s{2,}")


def _table_page(page, text: str, number: int) -> Page | None:
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


def _decode(data: bytes, from_bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(data))
    if not matches:
        raise IngestError("this looks like binary data, not text (no text encoding fits)")
    calmest = min(m.chaos for m in matches)
    for encoding in PREFERRED_ENCODINGS:
        for match in matches:
            if match.chaos <= calmest + CHAOS_TOLERANCE and encoding in match.could_be_from_charset:
                return data.decode(encoding)
    return str(matches[0])


def load_text(data: bytes) -> LoadedFile:
    from charset_normalizer import from_bytes

    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError("this looks like binary data, not text")
    text = _decode(data, from_bytes)
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    if text and printable / len(text) < MIN_PRINTABLE_RATIO:
        raise IngestError("this looks like binary data, not text")
    if not text.strip():
        raise IngestError("the file contains no text")
    return LoadedFile(kind="txt", pages=[Page(text=text, number=None)], page_count=None)


def _partitioner(kind: str) -> Callable[..., list]:
    from core.ingest.unstructured_setup import prepare_unstructured

    prepare_unstructured()
    if kind == "docx":
        from unstructured.partition.docx import partition_docx as fn
    elif kind == "pptx":
        from unstructured.partition.pptx import partition_pptx as fn
    elif kind == "xlsx":
        from unstructured.partition.xlsx import partition_xlsx as fn
    elif kind == "html":
        from unstructured.partition.html import partition_html as fn
    elif kind == "md":
        from unstructured.partition.md import partition_md as fn
    elif kind == "csv":
        from unstructured.partition.csv import partition_csv as fn
    else:
        raise IngestError(f"no loader for {kind}")
    return fn


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
            raise IngestError(f"could not read this {kind.upper()} file: its XML is broken or an XML bomb "
                              f"({reason})") from exc
        raise IngestError(f"could not read this {kind.upper()} file ({type(exc).__name__}: {exc})") from exc
    pages = sections(kind, elements)
    if not pages:
        raise IngestError(f"no text found in this {kind.upper()} file")
    numbered = [p.number for p in pages if p.number is not None]
    return LoadedFile(kind=kind, pages=pages, page_count=max(numbered) if numbered else None)


def load(kind: str, data: bytes, password: str | None = None,
         on_progress: Callable[[float], None] | None = None) -> LoadedFile:
    if kind == "pdf":
        return load_pdf(data, password, on_progress)
    if kind == "txt":
        return load_text(data)
    return load_with_unstructured(kind, data)
