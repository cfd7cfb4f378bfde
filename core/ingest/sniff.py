"""Decide which loader reads a file from its bytes first and its extension second.

A PDF renamed to ``.txt`` is still read as a PDF; a ``.pdf`` that is not a PDF, a photo named
``.txt`` or a ZIP bomb named ``.docx`` is refused with that reason before any parser opens it,
instead of a parser stack trace or an out-of-memory kill.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import filetype

from core.i18n import Text, say
from core.ingest.errors import IngestError
from core.ingest.hwp import HWP_SIGNATURE, OLE_MAGIC, is_hwp5
from core.ingest.limits import MB, ReadLimits
from core.ingest.names import extension

TEXT_EXTENSIONS = {"txt", "text", "log", "rst"}
BY_EXTENSION = {
    "md": "md", "markdown": "md",
    "html": "html", "htm": "html",
    "csv": "csv",
    "docx": "docx", "pptx": "pptx", "xlsx": "xlsx",
    **{ext: "txt" for ext in TEXT_EXTENSIONS},
}
SUPPORTED = sorted({"pdf", "hwp", "hwpx", *BY_EXTENSION})
_OOXML_MARKERS = {"word/": "docx", "ppt/": "pptx", "xl/": "xlsx", "Contents/section": "hwpx"}  # HWPX: OWPML
_ZIP_KINDS = {"docx", "pptx", "xlsx", "hwpx"}
_LEGACY_OFFICE = {"doc": "docx", "xls": "xlsx", "ppt": "pptx"}

# An Office file is parsed whole in memory (XML trees cost several times their size), so what a
# ZIP would expand to is checked against its directory before python-docx & co. ever open it.
# Real documents: the 872-page DOCX in the corpus expands 12:1 to 5.6 MB; XML rarely beats 30:1.
# The total it may expand to is the max_expanded_mb setting (300 MB by default), as for a PDF stream.
MAX_RATIO = 100  # only for archives that expand past SMALL_UNZIPPED_MB: tiny files compress oddly
SMALL_UNZIPPED_MB = 10
MAX_ZIP_ENTRIES = 10_000


@dataclass(frozen=True)
class ZipSummary:
    """What a ZIP's central directory declares; Python's zipfile never inflates past these sizes."""

    entries: int
    unzipped: int
    zipped: int
    kind: str | None  # docx / pptx / xlsx / hwpx when the parts say so


def _zip_summary(data: bytes) -> ZipSummary | None:
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return None
    names = [info.filename for info in infos]
    kind = next((k for marker, k in _OOXML_MARKERS.items() if any(n.startswith(marker) for n in names)), None)
    return ZipSummary(len(infos), sum(i.file_size for i in infos), sum(i.compress_size for i in infos), kind)


def _label(kind: str | None) -> Text:
    """What the refusals call the file: ``this .docx file`` (an Office or HWPX package) or ``this ZIP archive``."""
    return say("this .{kind} file", kind=kind) if kind else say("this ZIP archive")


def _check_not_a_bomb(summary: ZipSummary, label: Text, max_expanded_mb: int) -> None:
    ratio = summary.unzipped / max(summary.zipped, 1)
    if summary.entries > MAX_ZIP_ENTRIES:
        raise IngestError(say("refused: {this} holds {parts:,} parts (limit {limit:,}); it looks like a ZIP bomb",
                              this=label, parts=summary.entries, limit=MAX_ZIP_ENTRIES))
    if summary.unzipped > max_expanded_mb * MB or (summary.unzipped > SMALL_UNZIPPED_MB * MB and ratio > MAX_RATIO):
        raise IngestError(say("refused: {this} would expand to {mb:,.0f} MB when unzipped ({ratio:,.0f}:1; limits "
                              "{limit:,} MB (max_expanded_mb) and {max_ratio}:1); it looks like a ZIP bomb",
                              this=label, mb=summary.unzipped / MB, ratio=ratio, limit=max_expanded_mb,
                              max_ratio=MAX_RATIO))


def _looks_textual(head: bytes) -> bool:
    """Valid UTF-8 (a multi-byte character may be cut at the end): a text file that happens to
    start with a magic number ("ID3 …", "%!…") stays text."""
    for cut in range(4):
        try:
            head[: len(head) - cut].decode("utf-8")
            return b"\x00" not in head
        except UnicodeDecodeError:
            continue
    return False


def _refuse_known_binary(data: bytes) -> None:
    """Images, audio, archives, programs and old Office files, named by what they are."""
    head = data[:8192]
    guess = filetype.guess(head)
    if guess is None or _looks_textual(head):
        return
    if guess.extension in _LEGACY_OFFICE:
        raise IngestError(say("an old-format .{old} file cannot be read; save it as .{new} and upload that",
                              old=guess.extension, new=_LEGACY_OFFICE[guess.extension]))
    raise IngestError(say("unsupported file type: its content is {mime} (.{ext}), not a document; supported: "
                          "{supported}", mime=guess.mime, ext=guess.extension, supported=", ".join(SUPPORTED)))


def _office_kind(data: bytes, ext: str, max_expanded_mb: int) -> str:
    label = _label(ext if ext in _ZIP_KINDS else None)
    summary = _zip_summary(data)
    if summary is None:
        raise IngestError(say("{this} is damaged (truncated?): its ZIP directory cannot be read", this=label))
    _check_not_a_bomb(summary, _label(summary.kind) if summary.kind else label, max_expanded_mb)
    if summary.kind is None:
        raise IngestError(say("a ZIP archive that is not a Word, PowerPoint, Excel or Hangul (HWPX) file"))
    return summary.kind


def sniff_kind(name: str, data: bytes, max_expanded_mb: int = ReadLimits.expanded_mb) -> str:
    """Return one of ``pdf txt md html csv docx pptx xlsx hwp hwpx`` or raise IngestError; an Office file
    may expand to ``max_expanded_mb`` (the setting) when unzipped."""
    if not data:
        raise IngestError(say("empty file (0 bytes)"))
    ext = extension(name)
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if ext == "pdf":
        raise IngestError(say("not a PDF: the file has no PDF header"))
    if data[:4] == b"PK\x03\x04":
        return _office_kind(data, ext, max_expanded_mb)
    if data[:8] == OLE_MAGIC and is_hwp5(data):
        return "hwp"
    if data.startswith(HWP_SIGNATURE):  # HWP 3 and older: no OLE container
        raise IngestError(say("an HWP file from Hangul 97 or older cannot be read; open it in a current Hangul, "
                              "save it as .hwpx (or .hwp) and upload that"))
    _refuse_known_binary(data)
    if ext in ("docx", "pptx", "xlsx"):
        raise IngestError(say("not a valid .{ext} file (it is not an Office ZIP package)", ext=ext))
    if ext in ("hwp", "hwpx"):
        raise IngestError(say("not a valid .{ext} file: it is not a Hangul document, or it is damaged or truncated",
                              ext=ext))
    if ext in BY_EXTENSION:
        return BY_EXTENSION[ext]
    if not ext:
        raise IngestError(say("unsupported file type (no extension); supported: {supported}",
                              supported=", ".join(SUPPORTED)))
    raise IngestError(say("unsupported file type (.{ext}); supported: {supported}", ext=ext,
                          supported=", ".join(SUPPORTED)))
