"""Core's sentences on the Documents page in Korean: an upload's refusal, the size limit and an
upload's result are said through ``ui.i18n.said`` (names stay as given, and inert). A tiny catalog
stands in for core's part of the real one, so the test does not wait on the catalogs being merged;
the page's own sentences come from the real catalog as always."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.i18n_helpers import use_korean
from tests.pages.test_pages import fresh_library  # noqa: F401 - the fixture is used (autouse)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
KOREAN = {
    "empty file (0 bytes)": "빈 파일이에요(0바이트).",
    "file is {size:,.1f} MB, larger than the {limit:,} MB limit (max_upload_mb)":
        "파일 크기가 {size:,.1f}MB로, 한도 {limit:,}MB보다 커요(max_upload_mb).",
    "{seconds:.1f} s": "{seconds:.1f}초",
}
PLURALS = {("{n} chunk", "{n} chunks"): "구절 {n}개"}


@pytest.fixture
def korean_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_korean(tmp_path / "locales", monkeypatch, KOREAN, PLURALS)


def documents_in_korean() -> AppTest:
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=180)
    at.context = {"locale": "ko-KR"}
    at.run()
    return at.switch_page("pages/2_Documents.py").run()


def test_refusals_and_results_from_core_are_said_in_korean(korean_core, monkeypatch):
    monkeypatch.setenv("DOCCHAT_MAX_UPLOAD_MB", "1")
    at = documents_in_korean()
    at.file_uploader[0].set_value([("empty.txt", b"", "text/plain"),
                                   ("big.txt", b"a" * (1024 * 1024 + 1), "text/plain"),
                                   ("lamp.txt", b"The lamp is lit at dusk. " * 5, "text/plain")])
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        r"**big\.txt**: 파일 크기가 1\.0MB로, 한도 1MB보다 커요\(max\_upload\_mb\)\.",
        r"**empty\.txt**: 빈 파일이에요\(0바이트\)\."]
    [added] = [s.value for s in at.success]
    assert added.startswith(r"**lamp\.txt**: 구절 1개, ") and added.endswith("초")

