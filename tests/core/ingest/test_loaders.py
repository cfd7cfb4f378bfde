import io
import re

import pytest
from pypdf import PdfReader, PdfWriter

from core.ingest.errors import IngestError
from core.ingest.loaders import load, load_pdf, load_text
from tests.conftest import make_pdf
from tests.core.ingest.samples import corrupt_flate_checksum, docx_with_body, entity_bomb_docx


def test_pdf_pages_keep_their_one_based_numbers(lighthouse_pdf):
    loaded = load_pdf(lighthouse_pdf.read_bytes())
    assert loaded.page_count == 2
    assert [p.number for p in loaded.pages] == [1, 2]
    assert "1874" in loaded.pages[1].text


def _encrypt(data: bytes, user: str, owner: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_encrypted_pdf_asks_for_its_password_and_opens_with_it(lighthouse_pdf):
    locked = _encrypt(lighthouse_pdf.read_bytes(), user="1234", owner="owner")
    with pytest.raises(IngestError, match="password-protected") as asked:
        load_pdf(locked)
    with pytest.raises(IngestError, match="wrong password") as wrong:
        load_pdf(locked, password="nope")
    assert asked.value.needs == wrong.value.needs == "password"  # the UI asks again instead of giving up
    assert load_pdf(locked, password="1234").page_count == 2


def test_owner_password_only_opens_without_asking(lighthouse_pdf):
    locked = _encrypt(lighthouse_pdf.read_bytes(), user="", owner="owner")
    assert "Skarvoy" in load_pdf(locked).pages[0].text


def test_pdf_without_text_says_it_needs_ocr(tmp_path):
    blank = make_pdf(tmp_path / "scan.pdf", [""])
    with pytest.raises(IngestError, match="no text layer"):
        load_pdf(blank.read_bytes())


def test_truncated_pdf_is_a_clear_error(lighthouse_pdf):
    data = lighthouse_pdf.read_bytes()
    with pytest.raises(IngestError, match="damaged or truncated"):
        load_pdf(data[: len(data) // 3])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252", "euc-kr"])
def test_text_encodings_are_detected(encoding):
    text = "Die Brücke über den Fluss ist 28.4 Meter lang. " * 5
    if encoding == "euc-kr":
        text = "등대지기 마르타는 일요일마다 본토로 노를 저어 갑니다. " * 5
    loaded = load_text(text.encode(encoding))
    assert loaded.pages[0].text.strip() == text.strip()


def test_binary_named_txt_is_refused():
    with pytest.raises(IngestError, match="binary"):
        load_text(bytes(range(256)) * 40)


def test_markdown_goes_through_unstructured_offline(no_network):
    loaded = load("md", b"# Title\n\nThe keeper lights the lamp at dusk.\n")
    assert "lights the lamp" in loaded.pages[0].text
    assert no_network == []


def test_a_password_for_the_batch_does_not_lock_out_a_copy_protected_pdf(lighthouse_pdf):
    locked = _encrypt(lighthouse_pdf.read_bytes(), user="", owner="owner")
    assert "Skarvoy" in load_pdf(locked, password="1234").pages[0].text


def test_corpus_encrypted_pdfs(corpus):
    user = (corpus / "pdf" / "encrypted-userpw-1234_2206.01062_pg3.pdf").read_bytes()
    with pytest.raises(IngestError, match="password-protected; give its password"):
        load_pdf(user)
    with pytest.raises(IngestError, match="wrong password"):
        load_pdf(user, password="4321")
    assert "DocLayNet" in load_pdf(user, password="1234").pages[0].text
    owner_only = load_pdf((corpus / "pdf" / "encrypted-ownerpw-only_copy-protected.pdf").read_bytes())
    assert owner_only.page_count == 2 and "LayoutParser" in owner_only.pages[0].text


def test_a_recovered_stream_is_kept_and_noted(lighthouse_pdf):
    loaded = load_pdf(corrupt_flate_checksum(lighthouse_pdf.read_bytes()))
    assert "1874" in loaded.pages[1].text
    assert loaded.note == "recovered damaged data on 2 pages; its text may be incomplete"


def test_an_intact_pdf_has_no_recovery_note(lighthouse_pdf):
    assert load_pdf(lighthouse_pdf.read_bytes()).note == ""


def test_corpus_corrupt_zlib_is_recovered_and_noted(corpus):
    loaded = load_pdf((corpus / "pdf" / "malformed-corrupt-zlib_zen_of_python_corrupted.pdf").read_bytes())
    assert "Beautiful is better than ugly" in loaded.pages[0].text
    assert "recovered damaged data on 1 page" in loaded.note


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed-not-a-pdf_invalid.pdf", "damaged or truncated (startxref not found)"),
        ("truncated_federal-register-2020-17221_first357000bytes.pdf", "damaged or truncated"),
    ],
)
def test_corpus_broken_pdfs_say_so(corpus, name, message):
    with pytest.raises(IngestError, match=re.escape(message)):
        load_pdf((corpus / "pdf" / name).read_bytes())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (lambda: docx_with_body("<w:document><w:body><w:p>unclosed"), "its XML is broken or an XML bomb"),
        (entity_bomb_docx, "(Maximum entity amplification factor exceeded)"),
    ],
)
def test_broken_or_bomb_xml_in_a_docx_is_refused_with_a_reason(data, reason):
    with pytest.raises(IngestError, match=re.escape(reason)):
        load("docx", data())
