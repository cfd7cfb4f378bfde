"""The pages, run headless with Streamlit's AppTest: upload, library table, chat with sources."""

import re
import threading
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.text import plural
from tests.llm_servers import FakeServer, OpenAIHandler
from tests.pages.test_sources import live_markup

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SMOLLM2 = "llama.cpp:smollm2-135m-instruct.q4_1"


@pytest.fixture(autouse=True)
def fresh_library(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCCHAT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DOCCHAT_LLM", SMOLLM2)
    monkeypatch.setenv("DOCCHAT_MAX_TOKENS", "32")
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()


def page(name: str) -> AppTest:
    return AppTest.from_file(str(ROOT / name), default_timeout=180).run()


def examples_shown(at: AppTest) -> list:
    """The example-question buttons of an empty chat, once the background thread has found them."""
    for _ in range(120):
        if examples := [b for b in at.button if b.key and b.key.startswith("example_")]:
            return examples
        time.sleep(0.5)
        at.run()
    return []


def upload(files: list[tuple[str, bytes, str]]) -> AppTest:
    at = page("pages/2_Documents.py")
    at.file_uploader[0].set_value(files)
    at.button[0].click().run()
    from tests.pages.conftest import wait_for_vectors

    wait_for_vectors()  # the chat tests that follow ask with every vector in, as a user would a moment later
    return at


def test_home_shows_an_empty_library():
    at = page("Home.py")
    assert not at.exception
    assert at.metric[0].value == "0"


def test_upload_reports_each_file_and_lists_the_library(lighthouse_pdf):
    at = upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf"),
                 ("broken.pdf", b"no pdf here", "application/pdf")])
    assert not at.exception
    shown = [m.value.replace("\\", "") for m in (*at.success, *at.error)]  # names may be shown escaped
    assert any("lighthouse.pdf" in m and "chunks" in m for m in shown)
    assert any("broken.pdf" in m and "not a PDF" in m for m in shown)
    table = at.dataframe[0].value
    assert list(table["name"]) == ["lighthouse.pdf"]


def test_chat_says_to_add_files_when_the_library_is_empty():
    at = page("pages/1_Chat.py")
    assert "empty" in at.info[0].value


def test_chat_answers_with_sources_and_keeps_history(lighthouse_pdf):
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = page("pages/1_Chat.py")
    assert at.selectbox[0].value == SMOLLM2
    at.chat_input[0].set_value("When was the lighthouse built?").run()
    assert not at.exception
    roles = [m.name for m in at.chat_message]
    assert roles == ["user", "assistant"]
    assert at.session_state.messages[1]["content"].strip()
    sources = at.session_state.messages[1]["sources"]
    assert sources[0]["source"] == "lighthouse.pdf" and sources[0]["page"] in (1, 2)
    assert any(e.label.startswith("Sources") for e in at.expander)


def test_a_question_the_library_cannot_answer_gets_not_found_and_the_closest_passages(lighthouse_pdf):
    from core.chat.prompts import NOT_FOUND

    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = page("pages/1_Chat.py")
    at.chat_input[0].set_value("What is a good recipe for banana bread?").run()
    assert not at.exception
    assert at.session_state.messages[1]["content"] == NOT_FOUND
    assert at.session_state.messages[1]["found"] is False
    assert any(e.label.startswith("Closest passages") for e in at.expander)


def test_switching_the_embedding_model_offers_a_reindex_that_works(lighthouse_pdf, monkeypatch):
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    monkeypatch.setenv("DOCCHAT_EMBEDDING_MODEL", "use-multilingual-v3")
    st.cache_resource.clear()
    chat = page("pages/1_Chat.py")
    assert any("re-index" in w.value for w in chat.warning)
    docs = page("pages/2_Documents.py")
    [button] = [b for b in docs.button if b.label.startswith("Re-index")]
    button.click().run()
    assert not docs.exception
    assert any("Re-indexed" in s.value for s in docs.success)
    assert not page("pages/1_Chat.py").warning


HOSTILE = ("The Skarvoy lighthouse was built in 1874 by the harbour board. Its lamp burns whale oil. "
           "Logo: ![logo](http://127.0.0.1:9/passage.png) [site](http://127.0.0.1:9/passage-link) "
           "<img src='http://127.0.0.1:9/passage-html.png'> ![seal][seal]\n\n[seal]: http://127.0.0.1:9/passage-ref.png\n")
HOSTILE_ANSWER = ["Built in **1874** [1]. ", "![logo](http://127.0.0.1:9/answer.png", ") [more](http://127.0.0.1:9/x) ",
                  "<img src='http://127.0.0.1:9/answer-html.png'> <http://127.0.0.1:9/auto> ", "www.example.com\n\n",
                  "![seal][seal]\n\n[seal]: http://127.0.0.1:9/answer-ref.png"]


@pytest.fixture
def fake_llm(monkeypatch):
    """The chat model is a loopback OpenAI-compatible fake with a hostile reply (no model file needed)."""
    with FakeServer(OpenAIHandler, ["fake"], answer=HOSTILE_ANSWER) as server:
        monkeypatch.setenv("DOCCHAT_LLM", "openai:fake")
        monkeypatch.setenv("DOCCHAT_OPENAI_URL", f"{server.url}/v1")
        yield server


def _page_markdown(at: AppTest) -> list[str]:
    """Every Markdown text of the page's main area (the sidebar's model picker is tested on its own)."""
    main = at.main
    return [m.value for m in main.markdown] + [e.value for e in (*main.error, *main.warning, *main.caption)]


def test_images_links_and_html_from_a_document_and_an_answer_render_inert(fake_llm):
    upload([("keeper.txt", HOSTILE.encode(), "text/plain")])
    at = page("pages/1_Chat.py")
    at.chat_input[0].set_value("When was the lighthouse on Skarvoy built?").run()
    at.chat_input[0].set_value("And who built it?").run()  # a follow-up: the rewrite is shown too
    # a Korean question near an English passage: the (hostile) translation is shown too, as inert as the rest
    at.chat_input[0].set_value("Skarvoy lighthouse는 언제 지어졌나요?").run()
    assert not at.exception
    shown = _page_markdown(at)
    assert any("Searched for" in m for m in shown) and any("Also searched in English" in m for m in shown)
    assert any("keeper\\.txt" in m for m in shown) and any("passage\\.png" in m for m in shown)  # escaped
    assert [m for m in shown if live_markup(m)] == []
    answer = at.chat_message[1].markdown[0].value
    assert "**1874** \\[1\\]" in answer  # formatting kept, citations shown


def test_the_question_box_is_capped_at_the_setting(fake_llm, monkeypatch, lighthouse_pdf):
    monkeypatch.setenv("DOCCHAT_MAX_QUESTION_CHARS", "60")
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = page("pages/1_Chat.py")
    assert at.chat_input[0].proto.max_chars == 60
    question = "When was the lighthouse on Skarvoy island built, and by whom? " * 3
    at.chat_input[0].set_value(question).run()  # the browser would stop typing; Streamlit cuts the rest
    assert not at.exception
    assert at.session_state.messages[0]["content"] == question[:60]
    assert all(question[:61] not in str(r.get("messages")) for r in fake_llm.requests)



class Drawn(list):
    """Everything the page draws, in order, as (kind, text), and a way to wait for one of them."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = threading.Condition()

    def add(self, kind: str, text: str) -> None:
        with self.changed:
            self.append((kind, text))
            self.changed.notify_all()

    def wait_for(self, item: tuple[str, str]) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: item in self, timeout=180)


@pytest.fixture
def drawn(monkeypatch) -> Drawn:
    """AppTest keeps only the final tree, where "Reading 3 passages…" has already been replaced by the
    answer; this records every status label (with its state), caption and Markdown text as drawn."""
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.elements.lib.mutable_status_container import StatusContainer

    seen = Drawn()
    real_update, real_caption, real_markdown = StatusContainer.update, DeltaGenerator.caption, DeltaGenerator.markdown

    def update(self, *, label=None, state=None, **kwargs):
        seen.add("status", f"{state or self._current_state}: {label or ''}")
        return real_update(self, label=label, state=state, **kwargs)

    def caption(self, body, *args, **kwargs):
        seen.add("caption", str(body))
        return real_caption(self, body, *args, **kwargs)

    def markdown(self, body, *args, **kwargs):
        seen.add("markdown", str(body))
        return real_markdown(self, body, *args, **kwargs)

    monkeypatch.setattr(StatusContainer, "update", update)
    monkeypatch.setattr(DeltaGenerator, "caption", caption)
    monkeypatch.setattr(DeltaGenerator, "markdown", markdown)
    return seen


@pytest.fixture
def slow_llm(monkeypatch):
    """A fake model that takes 2.5 s before its first token, as the default model reading its passages."""
    answer = ["The lighthouse", " was built in 1874 [1]."]
    with FakeServer(OpenAIHandler, ["slow"], mode="slow", delay=2.5, answer=answer) as server:
        monkeypatch.setenv("DOCCHAT_LLM", "openai:slow")
        monkeypatch.setenv("DOCCHAT_OPENAI_URL", f"{server.url}/v1")
        yield server


def test_the_page_says_it_reads_the_passages_until_the_first_token_and_not_after(slow_llm, drawn, lighthouse_pdf):
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = page("pages/1_Chat.py")
    drawn.clear()
    at.chat_input[0].set_value("When was the lighthouse built?").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    found = plural(len(at.session_state.messages[1]["sources"]), "passage")
    first_token = drawn.index(("markdown", "The lighthouse"))
    before, after = drawn[:first_token], drawn[first_token:]
    assert ("caption", f"Reading {found}…") in before  # at once, before the first tick
    assert any(kind == "caption" and re.fullmatch(f"Reading {found}… [1-9]\\d* s", text)
               for kind, text in before), before  # the seconds tick while the model reads
    assert not [t for kind, t in before if kind == "status" and t.startswith("complete")]  # no tick yet
    assert not [t for _, t in after if "Reading" in t]
    assert after[-1] == ("status", f"complete: Found {found}")
    assert not [c.value for c in at.main.caption if "Reading" in c.value]  # replaced by the answer
    assert at.chat_message[1].markdown[0].value == "The lighthouse was built in 1874 \\[1\\]\\."


def test_a_question_while_the_model_answers_another_waits_with_its_place(fake_llm, drawn, lighthouse_pdf):
    from core.llms.registry import load_llm
    from core.settings import load_settings

    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = page("pages/1_Chat.py")
    waiting = ("caption", "Waiting for the model: 1 question ahead of yours…")
    model = load_llm("openai:fake", load_settings())  # the lock every session's copy of the model shares
    model.lock.acquire()  # another session's answer is streaming
    try:
        asking = threading.Thread(target=at.chat_input[0].set_value("When was the lighthouse built?").run,
                                  daemon=True)
        asking.start()
        assert drawn.wait_for(waiting), drawn
        assert asking.is_alive()  # it waits for the model, it did not fail
    finally:
        model.lock.release()
    asking.join(180)
    assert not at.exception and not at.error
    assert at.session_state.messages[1]["content"].startswith("Built in **1874** [1]. ![logo]")  # the whole reply
    assert not [c.value for c in at.main.caption if "Waiting" in c.value]  # gone once the answer came
    found = plural(len(at.session_state.messages[1]["sources"]), "passage")
    assert drawn.index(waiting) < drawn.index(("status", f"complete: Found {found}"))


def test_a_follow_up_says_the_model_reads_the_conversation_while_it_rewrites_the_question(slow_llm, drawn,
                                                                                          lighthouse_pdf):
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = page("pages/1_Chat.py")
    at.chat_input[0].set_value("When was the lighthouse on Skarvoy built?").run()
    drawn.clear()
    at.chat_input[0].set_value("And who built it?").run()  # points back: the model rewrites it first (2.5 s)
    assert not at.exception and not at.error, [e.value for e in at.error]
    rewriting = ("status", "running: Reading the conversation to understand your question…")
    assert rewriting in drawn, drawn
    searched = next(n for n, (kind, text) in enumerate(drawn) if kind == "markdown" and "Searched for" in text)
    assert drawn.index(rewriting) < searched
    assert drawn[-1][1].startswith("complete: Found")
