"""Decide which loader reads a file from its bytes first and its extension second.

A PDF renamed to ``.txt`` is still read as a PDF; a ``.pdf`` that is not a PDF is refused
with that reason instead of a parser stack trace.
"""

from __future__ import annotations

import io
import zipfile

from core.ingest.errors import IngestError
from core.ingest.names import extension

TEXT_EXTENSIONS = {"txt", "text", "log", "rst"}
BY_EXTENSION = {
    "md": "md", "markdown": "md",
    "html": "html", "htm": "html",
    "csv": "csv",
    "docx": "docx", "pptx": "pptx", "xlsx": "xlsx",
    **{ext: "txt" for ext in TEXT_EXTENSIONS},
}
SUPPORTED = sorted({"pdf", *BY_EXTENSION})
_OOXML_MARKERS = {"word/": "docx", "ppt/": "pptx", "xl/": "xlsx"}


def _zip_kind(data: bytes) -> str | None:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    for marker, kind in _OOXML_MARKERS.items():
        if any(n.startswith(marker) for n in names):
            return kind
    return None


def sniff_kind(name: str, data: bytes) -> str:
    """Return one of ``pdf txt md html csv docx pptx xlsx`` or raise IngestError."""
    if not data:
        raise IngestError("empty file (0 bytes)")
    ext = extension(name)
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if ext == "pdf":
        raise IngestError("not a PDF: the file has no PDF header")
    if data[:4] == b"PK\x03\x04":
        kind = _zip_kind(data)
        if kind:
            return kind
        raise IngestError("a ZIP archive that is not a Word, PowerPoint or Excel file")
    if ext in ("docx", "pptx", "xlsx"):
        raise IngestError(f"not a valid .{ext} file (it is not an Office ZIP package)")
    if ext in BY_EXTENSION:
        return BY_EXTENSION[ext]
    shown = f".{ext}" if ext else "no extension"
    raise IngestError(f"unsupported file type ({shown}); supported: {', '.join(SUPPORTED)}")
