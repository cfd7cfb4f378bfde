import io

import pytest
from pypdf import PdfReader, PdfWriter

from core.ingest.errors import IngestError
from core.ingest.loaders import load, load_pdf, load_text
from tests.conftest import make_pdf


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
    with pytest.raises(IngestError, match="password-protected"):
        load_pdf(locked)
    with pytest.raises(IngestError, match="wrong password"):
        load_pdf(locked, password="nope")
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
