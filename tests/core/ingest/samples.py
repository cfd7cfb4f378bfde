"""Bad and awkward inputs made in the test itself, so robustness tests run without ../shared."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import pytest

from core.ingest.ocr import ocr_languages

SCANNED_LINES = ["The lighthouse keeper rows", "to the mainland on Sundays", "and buys lamp oil."]


def needs_tesseract() -> str:
    """Skip the calling test, with the install command, where Tesseract is missing."""
    languages = ocr_languages()
    if languages is None:
        pytest.skip("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-kor); OCR tests skipped")
    return languages


def scanned_pdf(lines: list[str] = SCANNED_LINES) -> bytes:
    """A PDF whose only page is a picture of text, as a scanner makes it: no text layer at all."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=44)
    image = Image.new("L", (1275, 1650), 255)  # 8.5 x 11 in at 150 dpi
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((100, 150 + row * 80), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=150)
    return out.getvalue()


def with_scanned_page(text_pdf: bytes, lines: list[str] = SCANNED_LINES) -> bytes:
    """A text PDF with one scanned page appended: only that page should go to OCR."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf)))
    writer.append(PdfReader(io.BytesIO(scanned_pdf(lines))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corrupt_flate_checksum(pdf: bytes) -> bytes:
    """Break the zlib checksum (last 4 bytes) of every Flate stream, as in pdfminer issue #637:
    the text is intact, but a strict inflate fails; pypdf recovers it."""
    def breaker(match: re.Match[bytes]) -> bytes:
        body = match.group(2)
        zlib.decompress(body)  # only streams that really are zlib data
        broken = body[:-4] + bytes(b ^ 0xFF for b in body[-4:])
        return match.group(1) + broken + match.group(3)

    pattern = re.compile(rb"(/Filter\s*/FlateDecode[^>]*>>\s*stream\r?\n)(.*?)(\r?\nendstream)", re.S)
    broken, count = pattern.subn(breaker, pdf)
    assert count, "no Flate stream found to corrupt"
    return broken


def zip_bomb_docx(unzipped_mb: int = 200) -> bytes:
    """A .docx-shaped ZIP whose document part inflates ~1000:1 (zeros), written in slices so the
    test never holds the inflated size in memory."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(unzipped_mb):
                part.write(block)
    return out.getvalue()


def docx_with_body(document_xml: str) -> bytes:
    """A real DOCX (python-docx's blank one) with its ``word/document.xml`` replaced."""
    import docx

    blank = io.BytesIO()
    docx.Document().save(blank)
    out = io.BytesIO()
    with zipfile.ZipFile(blank) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, document_xml if info.filename == "word/document.xml" else source.read(info))
    return out.getvalue()


def entity_bomb_docx() -> bytes:
    """A DOCX whose body defines a billion-laughs entity chain (~10^9 characters if expanded)."""
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return docx_with_body(f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]><w:document xmlns:w='
                          '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
                          "<w:t>&l9;</w:t></w:r></w:p></w:body></w:document>")


def many_parts_docx(parts: int = 10_001) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        for number in range(parts):
            archive.writestr(f"word/media/p{number}.xml", "")
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF written byte by byte from its objects (numbered from 1; 1 is the catalog), with a correct
    cross-reference table: hostile files that no PDF library would agree to write."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_PAGE = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources"
         b" << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>")


def flate_bomb_pdf(inflated_mb: int, filters: bytes = b"/FlateDecode") -> bytes:
    """One page whose content stream is ``inflated_mb`` MB of spaces (valid, empty content) squeezed
    ~1000:1 by zlib: a decompression bomb. Compressed in slices, so the test never holds it inflated.
    ``filters`` b"[/FlateDecode]" spells the same filter as an array, which only pypdf's decoder reads."""
    squeezer = zlib.compressobj(9)
    block = b" " * (1024 * 1024)
    stream = b"".join([*(squeezer.compress(block) for _ in range(inflated_mb)), squeezer.flush()])
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", _PAGE,
                 b"<< /Length %d /Filter %s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream"])


def blank_pages_pdf(pages: int, declared: int | None = None) -> bytes:
    """``pages`` blank pages that are one page object listed ``pages`` times: 100,000 pages fit in
    600 KB. ``declared`` is the page count the file claims (/Count), which a hostile file may understate."""
    kids = b" ".join([b"3 0 R"] * pages)
    count = pages if declared is None else declared
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
                 _PAGE, b"<< /Length 0 >>\nstream\n\nendstream"])


def image_bomb_pdf(width: int, height: int) -> bytes:
    """One page without text showing one image that declares ``width`` x ``height`` RGB pixels from a
    stream of a few bytes: rendering it for OCR would make PDFium decode all of them."""
    pixels = zlib.compress(b"\0" * 3 * 16)
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /XObject << /Im1 5 0 R >> >> >>")
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page,
                 b"<< /Length 32 >>\nstream\nq 612 0 0 792 0 0 cm /Im1 Do Q\nendstream",
                 b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8"
                 b" /Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(pixels)) + pixels
                 + b"\nendstream"])


GLUED_WORDS = "The keeper rows to the mainland on Sundays and buys lamp oil for the winter".split()


def glued_words_pdf(words: list[str] = GLUED_WORDS, pages: int = 1) -> bytes:
    """Pages whose words are set apart by kerning (TJ offsets of 250 units), never by a space
    character, in a font that declares character 32 1,000 units wide, as TeX fonts do with another
    glyph in that slot: pypdf takes a space to be that wide and runs the words together, PDFium
    spaces them by their positions (the German lecture notes of the corpus, issue 18)."""
    widths = b" ".join([b"1000"] + [b"520"] * 90)  # characters 32..122
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 32 /LastChar 122 /Widths [%s] >>" % widths
    line = b" -250 ".join(b"(%s)" % word.encode() for word in words)
    content = b"BT /F1 12 Tf 40 700 Td [" + line + b"] TJ ET"
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
            b" /Resources << /Font << /F1 %d 0 R >> >> >>")
    kids = b" ".join(b"%d 0 R" % (3 + n) for n in range(pages))
    first_stream = 3 + pages
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
                 *(page % (first_stream, first_stream + 1) for _ in range(pages)),
                 b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream", font])
