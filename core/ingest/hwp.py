"""Hangul Office documents (issue 19): HWPX (a ZIP of OWPML XML) and HWP 5 (an OLE file of
deflated record streams), read by our own glue over ``defusedxml`` and ``olefile``
(docs/decisions/012-hwp-hwpx.md says why no HWP library on PyPI was taken).

Text comes out in paragraph order; a table becomes its own section, one "cell | cell" line per row
with its first row (the header) first, as the other loaders write tables; paragraphs in an "Outline N"
style (개요 N) become the heading path of what follows. Neither format records where pages break (the
layout is Hangul's), so no page numbers are given. Every stream is inflated under ``max_expanded_mb``
and the text is counted against ``max_chars`` as it grows, so a hostile file is refused, not parsed.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from io import BytesIO
from typing import Any

from core.i18n import Text, say
from core.ingest.errors import IngestError
from core.ingest.limits import LimitExceeded, ReadBudget, ReadLimits
from core.ingest.records import LoadedFile, Page

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HWP_SIGNATURE = b"HWP Document File"
HWPX_MIMETYPE = b"application/hwp+zip"
MAX_HEADING = 200
_OUTLINE = re.compile(r"Outline (\d+)$")


class _Sections:
    """Paragraphs gathered under the current heading path; each table its own section."""

    def __init__(self, budget: ReadBudget) -> None:
        self.budget = budget
        self.pages: list[Page] = []
        self.body: list[str] = []
        self.path: dict[int, str] = {}

    def heading(self) -> str | None:
        return " > ".join(self.path[d] for d in sorted(self.path)) or None

    def flush(self) -> None:
        if self.body:
            self.pages.append(Page(text="\n\n".join(self.body), number=None, heading=self.heading()))
            self.body.clear()

    def paragraph(self, text: str, depth: int | None = None) -> None:
        text = text.strip()
        if not text:
            return
        self.budget.add_text(text)
        if depth is None:
            self.body.append(text)
            return
        self.flush()  # a heading starts a section and stays its first line: 개요 styles also number plain text
        self.path = {d: t for d, t in self.path.items() if d < depth}
        self.path[depth] = " ".join(text.split())[:MAX_HEADING]
        self.body.append(text)

    def table(self, rows: list[list[str]]) -> None:
        """A grid with one row or one column is a framed box of text (titles often are), not a table."""
        rows = [[" ".join(cell.split()) for cell in row] for row in rows]
        rows = [row for row in rows if any(row)]
        if len(rows) < 2 or max(len(row) for row in rows) < 2:
            for row in rows:
                self.paragraph(" ".join(cell for cell in row if cell))
            return
        self.flush()
        text = "\n".join(" | ".join(cell for cell in row if cell) for row in rows)
        self.budget.add_text(text)
        self.pages.append(Page(text=text, number=None, heading=self.heading(), table=True))

    def loaded(self, kind: str) -> LoadedFile:
        self.flush()
        if not self.pages:
            raise IngestError(say("no text found in this {kind} file", kind=kind.upper()))
        return LoadedFile(kind=kind, pages=self.pages, page_count=None)


# ---- HWPX: Contents/section*.xml, paragraphs hp:p with runs of hp:t, tables hp:tbl > hp:tr > hp:tc

_SKIPPED_XML = {"header", "footer", "linesegarray", "secPr", "ctrl_params"}  # repeated per page, or no text
_INLINE = {"tab": "\t", "lineBreak": "\n", "nbSpace": " ", "fwSpace": " ", "hyphen": "-"}


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xml(archive: zipfile.ZipFile, name: str, room: int, limits: ReadLimits) -> Any:
    """One part, parsed with entity declarations refused (no billion laughs, no external entities)."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    with archive.open(name) as part:
        data = part.read(room + 1)
    if len(data) > room:
        raise limits.expansion_refusal(say("this HWPX file"))
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise IngestError(say("could not read this HWPX file: its XML is an XML bomb or points outside the file "
                              "({error} in {part})", error=type(exc).__name__, part=name)) from exc
    except SafeET.ParseError as exc:
        raise IngestError(say("could not read this HWPX file: the XML of {part} is broken ({reason})", part=name,
                              reason=str(exc))) from exc


def _outline_styles(root: Any) -> dict[str, int]:
    """Style id → heading depth, for the "Outline N" paragraph styles (개요 N) of header.xml."""
    depths = {}
    for element in root.iter():
        if _local(element.tag) == "style" and (match := _OUTLINE.match(element.get("engName", ""))):
            depths[element.get("id", "")] = int(match.group(1))
    return depths


def _text_of(t: Any) -> str:
    parts = [t.text or ""]
    for child in t:
        parts.append(_INLINE.get(_local(child.tag), ""))
        parts.append(child.tail or "")
    return "".join(parts)


def _hwpx_paragraph(p: Any, out: _Sections, outline: dict[str, int]) -> None:
    """A paragraph's text, with its tables and text boxes where they stand in it."""
    parts: list[str] = []

    def visit(node: Any) -> None:
        for child in node:
            name = _local(child.tag)
            if name == "t":
                parts.append(_text_of(child))
            elif name == "tbl":
                out.paragraph("".join(parts))
                parts.clear()
                out.table(_hwpx_rows(child, out.budget))
            elif name == "p":
                out.paragraph("".join(parts))
                parts.clear()
                _hwpx_paragraph(child, out, {})
            elif name not in _SKIPPED_XML:
                visit(child)

    visit(p)
    out.paragraph("".join(parts), outline.get(p.get("styleIDRef", "")))


def _hwpx_rows(tbl: Any, budget: ReadBudget) -> list[list[str]]:
    rows = []
    for tr in (child for child in tbl if _local(child.tag) == "tr"):
        budget.check_time()
        cells = []
        for tc in (child for child in tr if _local(child.tag) == "tc"):
            inner = _Sections(ReadBudget(budget.limits))  # counted once, by the table as a whole
            for sub in (child for child in tc if _local(child.tag) == "subList"):
                for p in (child for child in sub if _local(child.tag) == "p"):
                    _hwpx_paragraph(p, inner, {})
            inner.flush()
            cells.append(" ".join(page.text for page in inner.pages))
        rows.append(cells)
    return rows


def _section_number(name: str) -> int:
    return int(re.sub(r"\D", "", name.rsplit("/", 1)[-1]) or 0)


def load_hwpx(data: bytes, limits: ReadLimits | None = None) -> LoadedFile:
    """The sections in their order (section0.xml, section1.xml …); the ZIP was checked for bombs by sniff."""
    limits = limits or ReadLimits()
    budget = ReadBudget(limits)
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        names = archive.namelist()
        if "META-INF/manifest.xml" in names and b"encryption-data" in archive.read("META-INF/manifest.xml"):
            raise IngestError(say("this HWPX file is password-protected; open it in Hangul, remove the password "
                                  "(문서 암호), save it and upload that copy"))
        sections = sorted((n for n in names if re.fullmatch(r"Contents/section\d+\.xml", n)), key=_section_number)
        if not sections:
            raise IngestError(say("not a valid .hwpx file: it holds no Contents/section*.xml"))
        room = limits.expanded_bytes
        outline = _outline_styles(_xml(archive, "Contents/header.xml", room, limits)) \
            if "Contents/header.xml" in names else {}
        out = _Sections(budget)
        for name in sections:
            budget.check_time()
            root = _xml(archive, name, room, limits)
            room -= archive.getinfo(name).file_size
            for p in (child for child in root if _local(child.tag) == "p"):
                _hwpx_paragraph(p, out, outline)
    except IngestError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, ValueError, NotImplementedError) as exc:
        raise IngestError(say("could not read this HWPX file, it may be damaged or truncated ({reason})",
                              reason=str(exc))) from exc
    return out.loaded("hwpx")


# ---- HWP 5: FileHeader, DocInfo and BodyText/Section* streams of tagged records (HWP 5.0 spec, Hancom 2011)

_COMPRESSED, _PASSWORD, _DISTRIBUTION = 0x1, 0x2, 0x4
TAG_STYLE, TAG_PARA_HEADER, TAG_PARA_TEXT, TAG_CTRL_HEADER, TAG_LIST_HEADER = 26, 66, 67, 71, 72
_TABLE_CTRL = b" lbt"  # control ids are four characters stored little-endian: "tbl "
_SKIPPED_CTRLS = {b"daeh", b"toof"}  # "head", "foot": running headers and footers, repeated on every page
_CHAR_CONTROLS = {0, 10, 13, 24, 25, 26, 27, 28, 29, 30, 31}  # one code unit; every other control below 32 is 8
_CONTROL_TEXT = {9: "\t", 10: "\n", 24: "-", 30: " ", 31: " "}


def is_hwp5(data: bytes) -> bool:
    """An OLE file whose FileHeader stream has the HWP signature (read by sniff before the loader)."""
    return data[:8] == OLE_MAGIC and _file_header(data) is not None


def _file_header(data: bytes) -> bytes | None:
    import olefile

    try:
        ole = olefile.OleFileIO(data)
        header = ole.openstream("FileHeader").read(256) if ole.exists("FileHeader") else b""
    except Exception:  # noqa: BLE001 - olefile raises many kinds on a damaged container: it is not an HWP then
        return None
    return header if header.startswith(HWP_SIGNATURE) and len(header) >= 40 else None


def _inflate(stored: bytes, room: int, limits: ReadLimits, what: Text) -> bytes:
    inflater = zlib.decompressobj(-15)
    try:
        data = inflater.decompress(stored, room + 1)
    except zlib.error as exc:
        raise IngestError(say("could not read this HWP file, {part} is damaged or truncated ({reason})", part=what,
                              reason=str(exc))) from exc
    if len(data) > room:
        raise limits.expansion_refusal(say("{part} of this HWP file", part=what))
    return data


def _records(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(tag, level, payload) of each record; a record cut short ends the stream."""
    at = 0
    while at + 4 <= len(data):
        (head,) = struct.unpack_from("<I", data, at)
        tag, level, size = head & 0x3FF, (head >> 10) & 0x3FF, head >> 20
        at += 4
        if size == 0xFFF:
            if at + 4 > len(data):
                return
            (size,) = struct.unpack_from("<I", data, at)
            at += 4
        if at + size > len(data):
            return
        yield tag, level, data[at:at + size]
        at += size


def _para_text(payload: bytes) -> str:
    units = struct.unpack(f"<{len(payload) // 2}H", payload[: len(payload) // 2 * 2])
    out, i = [], 0
    while i < len(units):
        code = units[i]
        if code >= 32:
            out.append(chr(code))
            i += 1
            continue
        out.append(_CONTROL_TEXT.get(code, ""))
        i += 1 if code in _CHAR_CONTROLS else 8
    return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _hwp_outline_styles(docinfo: bytes) -> dict[int, int]:
    """Style index → heading depth, from the STYLE records' English names ("Outline N")."""
    depths, index = {}, 0
    for tag, _level, payload in _records(docinfo):
        if tag != TAG_STYLE:
            continue
        try:
            (local_len,) = struct.unpack_from("<H", payload, 0)
            at = 2 + 2 * local_len
            (english_len,) = struct.unpack_from("<H", payload, at)
            english = payload[at + 2: at + 2 + 2 * english_len].decode("utf-16-le", "replace")
        except struct.error:
            english = ""
        if match := _OUTLINE.match(english):
            depths[index] = int(match.group(1))
        index += 1
    return depths


class _Table:
    def __init__(self, level: int) -> None:
        self.level = level
        self.rows: dict[int, list[str]] = {}
        self.row: int | None = None  # the row of the cell being read; None before the first cell

    def start_cell(self, payload: bytes) -> None:
        """A cell's list header: 8 bytes of list properties, then its column and row (UINT16 each)."""
        self.row = struct.unpack_from("<H", payload, 10)[0] if len(payload) >= 12 else len(self.rows)
        self.rows.setdefault(self.row, []).append("")

    def add(self, text: str) -> None:
        if self.row is not None and text.strip():
            cells = self.rows[self.row]
            cells[-1] = f"{cells[-1]} {text.strip()}".strip()


def _hwp_section(body: bytes, out: _Sections, outline: dict[int, int]) -> None:
    """Records in order: a paragraph's text comes before the controls it anchors (tables, boxes); a
    record at or above a control's level closes it. Text inside a table goes to its current cell."""
    tables: list[_Table] = []
    skipping: int | None = None  # level of a header/footer control whose paragraphs are left out
    style: int | None = None
    for tag, level, payload in _records(body):
        if skipping is not None and level <= skipping:
            skipping = None
        while tables and level <= tables[-1].level:
            table = tables.pop()
            rows = [table.rows[r] for r in sorted(table.rows)]
            if tables:
                tables[-1].add(" ".join(" ".join(row) for row in rows))
            else:
                out.table(rows)
        if skipping is not None:
            continue
        if tag == TAG_PARA_HEADER:
            style = payload[10] if len(payload) > 10 else None
        elif tag == TAG_PARA_TEXT:
            text = _para_text(payload)
            if tables:
                tables[-1].add(text)
            else:
                out.paragraph(text, outline.get(style) if style is not None and level == 1 else None)
        elif tag == TAG_CTRL_HEADER:
            ctrl = payload[:4]
            if ctrl == _TABLE_CTRL:
                tables.append(_Table(level))
                out.budget.check_time()
            elif ctrl in _SKIPPED_CTRLS:
                skipping = level
        elif tag == TAG_LIST_HEADER and tables and level == tables[-1].level + 1:
            tables[-1].start_cell(payload)
    for table in reversed(tables):  # a stream that ends inside a table
        out.table([table.rows[r] for r in sorted(table.rows)])


def load_hwp(data: bytes, limits: ReadLimits | None = None) -> LoadedFile:
    """HWP 5.x; 배포용 (distribution) and password-protected files are refused with what to do."""
    import olefile

    limits = limits or ReadLimits()
    header = _file_header(data)
    if header is None:
        raise IngestError(say("could not read this HWP file: it is damaged or truncated, or not an HWP 5 document"))
    (flags,) = struct.unpack_from("<I", header, 36)
    if flags & _DISTRIBUTION:
        raise IngestError(say("this HWP file is distribution-protected (배포용 문서): Hangul encrypts its text for "
                              "viewing only, so it cannot be read here; ask its author for an ordinary copy "
                              "(HWP or HWPX) and upload that"))
    if flags & _PASSWORD:
        raise IngestError(say("this HWP file is password-protected; open it in Hangul, remove the password "
                              "(문서 암호), save it and upload that copy"))
    budget = ReadBudget(limits)
    room = limits.expanded_bytes
    try:
        ole = olefile.OleFileIO(data)
        streams = sorted((entry for entry in ole.listdir() if len(entry) == 2 and entry[0] == "BodyText"
                          and re.fullmatch(r"Section\d+", entry[1])), key=lambda e: int(e[1][7:]))
        if not streams:
            raise IngestError(say("could not read this HWP file: it has no body text (BodyText/Section0)"))

        def stream(path: list[str] | str, what: Text) -> bytes:
            stored = ole.openstream(path).read()
            return _inflate(stored, room, limits, what) if flags & _COMPRESSED else stored

        outline = _hwp_outline_styles(stream("DocInfo", say("its style table"))) if ole.exists("DocInfo") else {}
        out = _Sections(budget)
        for entry in streams:
            budget.check_time()
            body = stream(entry, say("section {number}", number=entry[1][7:]))
            room -= len(body)
            _hwp_section(body, out, outline)
    except (IngestError, LimitExceeded):
        raise
    except Exception as exc:  # noqa: BLE001 - olefile and struct fail in many ways on a damaged file
        raise IngestError(say("could not read this HWP file, it may be damaged or truncated ({reason})",
                              reason=str(exc))) from exc
    return out.loaded("hwp")
