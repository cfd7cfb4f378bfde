"""One loader per family: pypdf for PDFs (page by page), charset detection for text,
``unstructured`` for Office, HTML, Markdown and CSV. Each returns a LoadedFile or raises
IngestError with a message a user can act on.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable

from core.ingest.errors import IngestError
from core.ingest.records import LoadedFile, Page
from core.ingest.sections import sections

MIN_PRINTABLE_RATIO = 0.85


def load_pdf(data: bytes, password: str | None = None) -> LoadedFile:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(password or ""):
            if password:
                raise IngestError("wrong password for this encrypted PDF")
            raise IngestError("this PDF is password-protected; give its password to read it")
        total = len(reader.pages)
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise IngestError(f"could not read this PDF, it may be damaged or truncated ({exc})") from exc
    pages: list[Page] = []
    failed = 0
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    for number in range(1, total + 1):
        try:
            text = reader.pages[number - 1].extract_text() or ""
        except Exception:  # noqa: BLE001 - one bad page must not lose the others
            failed += 1
            continue
        if text.strip():
            pages.append(_table_page(reader.pages[number - 1], text, number) or Page(text=text, number=number))
    if not pages:
        if failed:
            raise IngestError(f"no page of this PDF could be read ({failed} of {total} failed)")
        raise IngestError("this PDF has no text layer (a scan?); OCR is not installed")
    note = f"{failed} of {total} pages could not be read" if failed else ""
    return LoadedFile(kind="pdf", pages=pages, page_count=total, note=note)


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
        raise IngestError(f"could not read this {kind.upper()} file ({type(exc).__name__}: {exc})") from exc
    pages = sections(kind, elements)
    if not pages:
        raise IngestError(f"no text found in this {kind.upper()} file")
    numbered = [p.number for p in pages if p.number is not None]
    return LoadedFile(kind=kind, pages=pages, page_count=max(numbered) if numbered else None)


def load(kind: str, data: bytes, password: str | None = None) -> LoadedFile:
    if kind == "pdf":
        return load_pdf(data, password)
    if kind == "txt":
        return load_text(data)
    return load_with_unstructured(kind, data)
