"""What ingest tells a person (a refusal, an upload's result, a load note, a progress line) stays the
English sentence it always was, and can be said in Korean: the result carries the message's Text
all the way from the raise to the page (``str(exc)`` on the way would make it English only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.i18n import Text, in_language, say
from core.ingest import loaders
from core.ingest.errors import IngestError
from core.ingest.limits import ReadBudget, ReadLimits, upload_refusal
from core.ingest.records import IngestResult, Progress
from tests.i18n_helpers import use_korean

KOREAN = {
    "empty file (0 bytes)": "빈 파일이에요(0바이트).",
    "{seconds:.1f} s": "{seconds:.1f}초",
    "{summary} ({note})": "{summary} ({note})",
    "already in the library as {name}": "이미 라이브러리에 {name}(으)로 있어요.",
    "{name}: {doing}": "{name}: {doing}",
    "reading the file": "파일을 읽는 중",
    "File {file} of {files}, {name}: {doing} ({left} of {files} files still to finish)":
        "파일 {files}개 중 {file}번째, {name}: {doing} ({files}개 중 {left}개 남음)",
    "file is {size:,.1f} MB, larger than the {limit:,} MB limit (max_upload_mb)":
        "파일 크기가 {size:,.1f}MB로, 한도 {limit:,}MB보다 커요(max_upload_mb).",
    "this PDF has no text layer (a scan?); {why}": "이 PDF에는 텍스트 레이어가 없어요(스캔본인가요?). {why}",
    "OCR is not installed ({command})": "OCR이 설치되어 있지 않아요({command}).",
}
PLURALS = {("{n} chunk", "{n} chunks"): "구절 {n}개", ("{n} page", "{n} pages"): "{n}페이지",
           ("{n} page read with OCR", "{n} pages read with OCR"): "{n}페이지를 OCR로 읽었어요"}


@pytest.fixture
def korean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_korean(tmp_path / "locales", monkeypatch, KOREAN, PLURALS)


def test_a_refusal_reaches_the_result_as_text(app, korean):
    result = app.ingest_file("empty.txt", b"")
    assert not result.ok and result.message == "empty file (0 bytes)" and isinstance(result.message, Text)
    assert in_language(result.message, "ko") == "빈 파일이에요(0바이트)."


def test_a_result_line_keeps_its_marks_and_says_the_message(korean):
    line = IngestResult("a.txt", False, IngestError("empty file (0 bytes)").message).line()
    assert line == "error  a.txt: empty file (0 bytes)"
    said = IngestResult("a.txt", True, say("empty file (0 bytes)")).line()
    assert said == "ok     a.txt: empty file (0 bytes)"
    assert in_language(said, "ko") == "ok     a.txt: 빈 파일이에요(0바이트)."


def test_the_summary_of_an_upload_is_said_part_by_part(app, lighthouse_pdf, korean):
    result = app.ingest_file("lighthouse.pdf", lighthouse_pdf.read_bytes())
    assert result.ok and result.message.startswith(f"{result.chunks} chunks, 2 pages, ")
    korean_summary = in_language(result.message, "ko")
    assert korean_summary.startswith(f"구절 {result.chunks}개, 2페이지, ") and korean_summary.endswith("초")
    again = app.ingest_file("copy.pdf", lighthouse_pdf.read_bytes())
    assert in_language(again.message, "ko") == "이미 라이브러리에 lighthouse.pdf(으)로 있어요."


def test_progress_lines_are_said_with_their_stage(korean):
    one = Progress("a.pdf", "read", 0.1)
    assert one.words() == "a.pdf: reading the file" and in_language(one.words(), "ko") == "a.pdf: 파일을 읽는 중"
    batch = Progress("b.pdf", "read", 0.1, 0.2, file=2, files=3, done=1)
    assert batch.words() == "File 2 of 3, b.pdf: reading the file (2 of 3 files still to finish)"
    assert in_language(batch.words(), "ko") == "파일 3개 중 2번째, b.pdf: 파일을 읽는 중 (3개 중 2개 남음)"


def test_the_upload_limit_keeps_its_number_format(korean):
    refusal = upload_refusal(3_000 * 1024 * 1024 + 1, 2_000)
    assert refusal == "file is 3,000.0 MB, larger than the 2,000 MB limit (max_upload_mb)"
    assert in_language(refusal, "ko") == "파일 크기가 3,000.0MB로, 한도 2,000MB보다 커요(max_upload_mb)."
    assert upload_refusal(1, 2_000) == ""


def test_a_refusal_quoting_another_keeps_both_translatable(monkeypatch, korean):
    def no_ocr(*_args: object, **_kwargs: object) -> dict[int, str]:
        raise IngestError(say("OCR is not installed ({command})", command="apt-get install x"))

    monkeypatch.setattr(loaders, "ocr_pages", no_ocr)
    with pytest.raises(IngestError) as refused:
        loaders._ocr(b"", [1, 2], None, [], all_pages=True, failed=0, on_progress=None, budget=ReadBudget())
    assert str(refused.value) == "this PDF has no text layer (a scan?); OCR is not installed (apt-get install x)"
    assert in_language(refused.value.message, "ko") == (
        "이 PDF에는 텍스트 레이어가 없어요(스캔본인가요?). OCR이 설치되어 있지 않아요(apt-get install x).")


def test_ocr_notes_are_counted_nouns(monkeypatch, korean):
    monkeypatch.setattr(loaders, "ocr_pages", lambda _data, numbers, _password, on_page: dict.fromkeys(numbers, "x"))
    notes: list[str] = []
    loaders._ocr(b"", [3, 4], None, notes, all_pages=False, failed=0, on_progress=None,
                 budget=ReadBudget(ReadLimits()))
    assert notes == ["2 pages read with OCR"] and in_language(notes[0], "ko") == "2페이지를 OCR로 읽었어요"
