import io
import re
import zipfile

import pytest

from core.ingest.errors import IngestError
from core.ingest.sniff import sniff_kind
from tests.core.ingest.samples import many_parts_docx, png_bytes, zip_bomb_docx


def test_pdf_is_recognised_by_content_even_with_another_extension():
    assert sniff_kind("notes.txt", b"%PDF-1.7\n...") == "pdf"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("fake.pdf", b"hello, I am text", "not a PDF"),
        ("thing.exe", b"MZ\x90\x00", "unsupported file type: its content is application/x-msdownload (.exe)"),
        ("README", b"text", "unsupported file type (no extension)"),
        ("report.docx", b"plain text", "not a valid .docx"),
    ],
)
def test_refusals_say_why(name, data, message):
    with pytest.raises(IngestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sniff_kind(name, data)


def test_office_kind_comes_from_the_zip_contents():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert sniff_kind("renamed.bin.docx", buffer.getvalue()) == "docx"
    assert sniff_kind("renamed.zip.pptx", buffer.getvalue()) == "docx"


def test_plain_zip_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    with pytest.raises(IngestError, match="ZIP archive"):
        sniff_kind("archive.docx", buffer.getvalue())


@pytest.mark.parametrize(("name", "kind"), [("a.md", "md"), ("b.HTML", "html"), ("c.csv", "csv"), ("d.TXT", "txt")])
def test_text_families_by_extension(name, kind):
    assert sniff_kind(name, b"some text") == kind


def test_a_zip_bomb_named_docx_is_refused_before_any_parser_opens_it():
    # 20 MB at 1000:1 is past the ratio limit; tests/integration/test_robustness.py ingests a 200 MB one
    with pytest.raises(IngestError, match=r"refused: this \.docx file would expand to 20 MB .* ZIP bomb"):
        sniff_kind("report.docx", zip_bomb_docx(20))


def test_a_zip_with_too_many_parts_is_refused():
    with pytest.raises(IngestError, match="10,002 parts .* ZIP bomb"):
        sniff_kind("report.docx", many_parts_docx(10_001))


def test_real_office_files_pass_the_bomb_check(corpus):
    for path in (corpus / "other").glob("*.docx"):
        assert sniff_kind(path.name, path.read_bytes()) == "docx"


def test_a_truncated_docx_says_it_is_damaged(corpus):
    data = (corpus / "other" / "docling-word_sample.docx").read_bytes()
    with pytest.raises(IngestError, match=r"this \.docx file is damaged"):
        sniff_kind("sample.docx", data[: len(data) // 2])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("photo.txt", "its content is image/png (.png), not a document"),
        ("photo.pdf", "not a PDF"),
        ("photo.docx", "its content is image/png"),
        ("old.doc", "old-format .doc file cannot be read; save it as .docx"),
    ],
)
def test_binary_formats_are_named_by_their_content(name, message):
    word97 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\0") + b"\xec\xa5\xc1\x00" + b"\0" * 600  # OLE + FIB
    data = png_bytes() if "photo" in name else word97
    with pytest.raises(IngestError, match=re.escape(message)):
        sniff_kind(name, data)


def test_text_that_starts_like_a_magic_number_stays_text():
    assert sniff_kind("tags.txt", b"ID3 tags are where MP3 files keep their titles.") == "txt"
