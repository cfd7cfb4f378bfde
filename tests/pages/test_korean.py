"""The pages in Korean (ui/i18n.py): chosen by the browser's locale, by ``?lang=ko``, or by the sidebar
switch; run headless with AppTest like tests/pages/test_pages.py, with a loopback fake model."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.llm_servers import FakeServer, OpenAIHandler
from tests.pages.conftest import wait_for_vectors
from tests.pages.test_pages import examples_shown, fresh_library  # noqa: F401 - the fixture is used

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_llm(monkeypatch):
    with FakeServer(OpenAIHandler, ["fake"]) as server:
        monkeypatch.setenv("DOCCHAT_LLM", "openai:fake")
        monkeypatch.setenv("DOCCHAT_OPENAI_URL", f"{server.url}/v1")
        yield server


def korean(name: str) -> AppTest:
    """A page as a browser set to Korean opens it, from the app's entry page (so its links resolve)."""
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=180)
    at.context = {"locale": "ko-KR"}
    at.run()
    return at if name == "Home.py" else at.switch_page(name).run()


def texts(at: AppTest) -> list[str]:
    return [e.value for e in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success)]


def test_home_follows_a_korean_browser():
    at = korean("Home.py")
    assert not at.exception
    assert [m.label for m in at.metric] == ["문서", "구절"]
    assert any("내 파일에 대해 질문해 보세요" in t for t in texts(at))
    assert at.sidebar.radio[0].value == "ko"


def test_the_sidebar_names_every_page_in_korean():
    """Streamlit's own list names pages after their files, in English; the app's list is the catalog's."""
    for name in ("Home.py", "pages/1_Chat.py", "pages/2_Documents.py"):
        at = korean(name)
        assert [link.proto.label for link in at.sidebar.get("page_link")][:3] == ["홈", "대화", "문서"], name


def test_chat_on_an_empty_library_says_so_in_korean():
    at = korean("pages/1_Chat.py")
    assert not at.exception
    assert at.title[0].value == "💬 문서와 대화하기"
    assert at.info[0].value == "라이브러리가 비어 있어요. 먼저 파일을 추가해 주세요."
    assert at.sidebar.button[0].label == "새 대화"


def test_documents_upload_and_table_in_korean(lighthouse_pdf):
    at = korean("pages/2_Documents.py")
    assert at.info[0].value == "라이브러리가 비어 있어요. 위에서 파일을 추가해 시작해 보세요."
    at.file_uploader[0].set_value([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at.button[0].click().run()
    assert not at.exception
    assert at.subheader[0].value == "라이브러리 (문서 1개)"
    table = at.dataframe[0].value
    assert list(table.columns) == ["이름", "컬렉션", "형식", "페이지", "구절", "크기(KB)", "추가한 날짜", "상태"]
    assert list(table["이름"]) == ["lighthouse.pdf"] and table["상태"][0] in ("임베딩 중 0/2", "준비됨")
    wait_for_vectors()
    table = at.run().dataframe[0].value
    assert list(table["상태"]) == ["준비됨"]
    assert re.fullmatch(r"\d{4}\. \d{1,2}\. \d{1,2}\. (오전|오후) \d{1,2}:\d{2}", table["추가한 날짜"][0])


def test_a_korean_chat_answers_with_korean_status_and_sources(fake_llm, lighthouse_pdf):
    at = korean("pages/2_Documents.py")
    at.file_uploader[0].set_value([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at.button[0].click().run()
    wait_for_vectors()
    at = korean("pages/1_Chat.py")
    assert any(t.startswith("라이브러리의 문서 1개에 대해 물어보세요") for t in texts(at))
    at.chat_input[0].set_value("When was the lighthouse built?").run()
    assert not at.exception
    assert at.session_state.messages[1]["content"].startswith("The lighthouse was built in 1874")  # the model's own
    labels = [e.label for e in at.expander]
    assert any(label.startswith("출처 (") for label in labels)
    assert any(b.label in ("1페이지에서 보기", "2페이지에서 보기") for b in at.button)
    assert any("인용됨" in t for t in texts(at))
    assert at.chat_input[0].placeholder == "문서에 대해 질문해 보세요"


def test_the_url_and_the_sidebar_switch_choose_the_language():
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=180)
    at.query_params["lang"] = "ko"
    at.run().switch_page("pages/1_Chat.py").run()
    assert at.title[0].value == "💬 문서와 대화하기"
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "💬 Chat with your documents"
    assert at.session_state["lang"] == "en"
    at.switch_page("pages/2_Documents.py").run()  # the session keeps it on another page
    assert at.title[0].value == "📄 Documents"


def test_the_switch_overrides_a_korean_browser_for_the_session():
    at = korean("Home.py")
    at.sidebar.radio[0].set_value("en").run()
    assert [m.label for m in at.metric] == ["Documents", "Chunks"]
    at.switch_page("pages/1_Chat.py").run()
    assert at.info[0].value == "Your library is empty: add files first."


def test_example_questions_are_asked_in_korean_for_a_korean_reader():
    minutes = ("The harbour board met on Monday. The granite tower needs a new lamp. "
               "The harbour board voted to repair the granite tower before winter.")
    at = korean("pages/2_Documents.py")
    at.file_uploader[0].set_value([("minutes.txt", minutes.encode(), "text/plain")])
    at.button[0].click().run()
    examples = examples_shown(korean("pages/1_Chat.py"))
    assert [b.label.replace("\\", "") for b in examples] == ["harbour board에 대해 문서에는 무엇이 나와 있나요?"]
