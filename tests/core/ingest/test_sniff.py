import io
import zipfile

import pytest

from core.ingest.errors import IngestError
from core.ingest.sniff import sniff_kind


def test_pdf_is_recognised_by_content_even_with_another_extension():
    assert sniff_kind("notes.txt", b"%PDF-1.7\n...") == "pdf"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("fake.pdf", b"hello, I am text", "not a PDF"),
        ("thing.exe", b"MZ\x90\x00", "unsupported file type (.exe)"),
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
