"""The Chat page keeps its conversations in the library: the URL names the open one, so a reload
(a new session with the same URL) or an app restart shows it again; New chat, the list, delete."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.llm_servers import FakeServer, OpenAIHandler
from tests.pages.test_pages import ROOT, examples_shown, upload

pytestmark = pytest.mark.integration  # the real embedder indexes the upload


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    with FakeServer(OpenAIHandler, ["fake"], answer="It was built in 1874 [1].") as server:
        monkeypatch.setenv("DOCCHAT_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("DOCCHAT_LLM", "openai:fake")
        monkeypatch.setenv("DOCCHAT_OPENAI_URL", f"{server.url}/v1")
        monkeypatch.chdir(ROOT)
        st.cache_resource.clear()
        st.cache_data.clear()
        yield
        st.cache_resource.clear()


def chat(conversation: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/1_Chat.py"), default_timeout=180)
    if conversation:
        at.query_params["c"] = conversation
    return at.run()


def test_a_conversation_survives_a_reload_and_a_restart_and_new_chat_starts_afresh(lighthouse_pdf):
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = chat()
    at.chat_input[0].set_value("When was the lighthouse built?").run()
    at.chat_input[0].set_value("Who keeps it?").run()
    assert not at.exception
    conversation = at.query_params["c"]
    assert conversation and len(at.session_state.messages) == 4

    reloaded = chat(conversation)  # a new session, the same URL: what a reload or a bookmark does
    assert [m.name for m in reloaded.chat_message] == ["user", "assistant", "user", "assistant"]
    assert reloaded.chat_message[2].markdown[0].value == "Who keeps it?"
    assert reloaded.session_state.messages[1]["sources"][0]["source"] == "lighthouse.pdf"
    st.cache_resource.clear()  # an app restart: nothing cached survives, the library does
    restarted = chat(conversation)
    assert len(restarted.chat_message) == 4
    listed = [b for b in restarted.sidebar.button if b.key == f"chat_{conversation}"]
    assert listed and listed[0].label == "When was the lighthouse built?"

    restarted.sidebar.button[0].click().run()  # New chat
    assert "c" not in restarted.query_params and restarted.session_state.messages == []
    assert not restarted.chat_message
    assert any("Ask about the 1 document in your library: lighthouse" in c.value.replace("\\", "")
               for c in restarted.main.caption), [c.value for c in restarted.main.caption]


def test_a_question_cut_off_by_the_next_one_is_kept_with_a_note(lighthouse_pdf):
    """A reader who asks again before the answer comes: Streamlit stops the first run, and the first
    question must still be in the conversation after a reload (seen in a browser walk)."""
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = chat()
    at.session_state["messages"] = [{"role": "user", "content": "When was the lighthouse built?"}]  # its run stopped
    at.chat_input[0].set_value("Who keeps it?").run()
    assert not at.exception
    reloaded = chat(at.query_params["c"])
    assert [m["content"] for m in reloaded.session_state.messages[:2]] == [
        "When was the lighthouse built?", "*(stopped before it finished)*"]
    assert reloaded.session_state.messages[2]["content"] == "Who keeps it?"
    assert len(reloaded.session_state.messages) == 4


def test_a_second_tab_on_another_conversation_never_mixes_and_delete_removes_it(lighthouse_pdf):
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    first, second = chat(), chat()
    first.chat_input[0].set_value("When was the lighthouse built?").run()
    second.chat_input[0].set_value("What does the lamp burn?").run()
    one, two = first.query_params["c"], second.query_params["c"]
    assert one != two
    assert [m.markdown[0].value for m in chat(one).chat_message if m.name == "user"] == [
        "When was the lighthouse built?"]
    at = chat(two)
    at.sidebar.checkbox(key=f"confirm_{two}").check().run()
    at.sidebar.button(key=f"delete_{two}").click().run()
    assert not at.exception and "c" not in at.query_params
    assert [b.key for b in chat().sidebar.button if b.key and b.key.startswith("chat_")] == [f"chat_{one}"]
    assert not chat(two).chat_message  # a link to a deleted conversation opens a new chat


def _shape(node) -> list:
    """The element types of a drawn subtree, in order: what the browser shows, without the text."""
    children = getattr(node, "children", None)
    kids = list(children.values()) if isinstance(children, dict) else []
    return [node.type, [_shape(child) for child in kids]] if kids else [node.type]


def test_an_answer_is_drawn_once_as_a_reload_draws_it(lighthouse_pdf):
    """The run that answered is followed by one that draws the answer as every earlier one is drawn, so
    the next question's run redraws the same elements in place: no stale, greyed copy of its sources
    while the model works on the next answer. The thumbs are offered at once."""
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = chat()
    at.chat_input[0].set_value("When was the lighthouse built?").run()
    conversation = at.query_params["c"]
    assert not at.exception
    assert _shape(at.chat_message[1]) == _shape(chat(conversation).chat_message[1])
    assert [f for f in at.main.get("feedback") if f.key == f"feedback_{conversation}_1"]
    assert not at.main.get("status")  # the finished question's status box is not left behind


def test_the_same_conversation_in_two_tabs_shows_what_the_library_keeps(lighthouse_pdf):
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    first = chat()
    first.chat_input[0].set_value("When was the lighthouse built?").run()
    conversation = first.query_params["c"]
    second = chat(conversation)
    second.chat_input[0].set_value("Who keeps it?").run()  # answered in the second tab
    first.run()  # any click in the first tab
    assert [m.markdown[0].value for m in first.chat_message if m.name == "user"] == [
        "When was the lighthouse built?", "Who keeps it?"]
    first.chat_input[0].set_value("What does the lamp burn?").run()
    assert [t.question for t in _stored(conversation).turns] == [
        "When was the lighthouse built?", "Who keeps it?", "What does the lamp burn?"]
    second.sidebar.checkbox(key=f"confirm_{conversation}").check().run()
    second.sidebar.button(key=f"delete_{conversation}").click().run()
    first.run()
    assert not first.exception and "c" not in first.query_params and not first.chat_message


def _stored(conversation: str):
    from core.service import DocChat
    from core.settings import load_settings

    return DocChat(load_settings()).conversation(conversation)


def test_thumbs_and_a_comment_are_kept_with_the_answer(lighthouse_pdf):
    from core.service import DocChat
    from core.settings import load_settings

    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = chat()
    at.chat_input[0].set_value("When was the lighthouse built?").run()
    conversation = at.query_params["c"]
    at = chat(conversation)  # feedback is offered on stored answers
    key = f"feedback_{conversation}_1"
    at.session_state[key] = 0  # thumbs down, as a click sets it
    at.run()
    at.text_input(key=f"{key}_comment").input("It was 1874, but the sources are wrong").run()
    assert not at.exception
    [turn] = DocChat(load_settings()).conversation(conversation).turns
    assert turn.answer["feedback"]["score"] == 0
    assert turn.answer["feedback"]["comment"] == "It was 1874, but the sources are wrong"
    again = chat(conversation)
    assert again.text_input(key=f"{key}_comment").value == "It was 1874, but the sources are wrong"


def test_a_text_source_opens_among_its_neighbours_and_a_pdf_source_on_its_page(lighthouse_pdf):
    text = "\n\n".join(f"Paragraph {n}: the harbour board met on day {n} to talk about the lamp." for n in range(40))
    upload([("minutes.txt", text.encode(), "text/plain"), ("lighthouse.pdf", lighthouse_pdf.read_bytes(),
                                                             "application/pdf")])
    at = chat()
    at.chat_input[0].set_value("What did the harbour board talk about on day 17?").run()
    buttons = [b for b in at.button if b.label in ("Show in the document",) or b.label.startswith("Show on page")]
    assert {b.label for b in buttons} >= {"Show in the document"}
    [shown] = [b for b in buttons if b.label == "Show in the document"][:1]
    shown.click().run()
    assert not at.exception
    marked = [m.value for m in at.markdown if m.value.startswith(":orange-background[")]
    assert marked and "harbour board" in marked[0]
    assert any(e.label.startswith("All ") and "passages of this document" in e.label for e in at.expander)


def test_an_empty_chat_offers_questions_drawn_from_the_library_and_a_click_asks_one():
    minutes = ("The harbour board met on Monday. The granite tower needs a new lamp. "
               "The harbour board voted to repair the granite tower before winter.")
    upload([("minutes.txt", minutes.encode(), "text/plain")])
    at = chat()
    examples = examples_shown(at)  # found in a background thread; the page shows them when ready
    assert [b.label.replace("\\", "") for b in examples] == ["What do your documents say about harbour board?"]
    examples[0].click().run()
    assert not at.exception
    assert at.session_state.messages[0]["content"] == "What do your documents say about harbour board?"
    assert at.session_state.messages[1]["sources"][0]["source"] == "minutes.txt"
    assert not [b for b in at.button if b.key and b.key.startswith("example_")]  # a chat now, not an empty one


def test_a_chat_about_one_document_searches_only_it_and_keeps_its_scope_after_a_reload(lighthouse_pdf):
    from core.service import DocChat
    from core.settings import load_settings

    minutes = "The harbour board met on Monday and agreed that the lighthouse lamp burns whale oil."
    upload([("minutes.txt", minutes.encode(), "text/plain"),
            ("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    [sha] = [d.sha256 for d in DocChat(load_settings()).documents() if d.name == "minutes.txt"]
    at = AppTest.from_file(str(ROOT / "pages/1_Chat.py"), default_timeout=180)
    at.query_params["doc"] = sha  # the link "Ask about this document" opens
    at.run()
    assert [i.value for i in at.info] == ["This chat searches only **minutes\\.txt**."]
    assert not [m for m in at.sidebar.multiselect if m.label == "Answer from collections"]
    at.chat_input[0].set_value("What does the lamp burn?").run()
    assert not at.exception
    assert {s["source"] for s in at.session_state.messages[1]["sources"]} == {"minutes.txt"}
    conversation = at.query_params["c"]
    assert "doc" not in at.query_params  # the conversation keeps the scope now
    assert _stored(conversation).record.scope.documents == (sha,)

    reloaded = chat(conversation)
    assert [i.value for i in reloaded.info] == ["This chat searches only **minutes\\.txt**."]
    reloaded.chat_input[0].set_value("Who met on Monday?").run()
    assert {s["source"] for s in reloaded.session_state.messages[3]["sources"]} == {"minutes.txt"}
    [whole] = [b for b in reloaded.button if b.label == "Ask the whole library"]
    whole.click().run()
    assert not reloaded.info and "c" not in reloaded.query_params and not reloaded.chat_message


def test_the_documents_page_and_each_source_open_a_chat_about_that_document(lighthouse_pdf):
    upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    at = chat()
    at.chat_input[0].set_value("When was the lighthouse built?").run()
    source = at.session_state.messages[1]["sources"][0]
    at.button(key="m1_about_1").click().run()  # under the first source
    assert not at.exception and "c" not in at.query_params and not at.chat_message
    assert at.query_params["doc"] in (source["sha256"], [source["sha256"]])
    assert [i.value for i in at.info] == ["This chat searches only **lighthouse\\.pdf**."]

    home = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=180).run()  # page links need the entry page
    home.switch_page("pages/2_Documents.py").run()
    home.session_state["library_table_0__[]_1"] = {"selection": {"rows": [0], "columns": []}}  # the row clicked
    home.run()
    [link] = [link for link in home.get("page_link") if link.proto.label == "Ask about this document"]
    assert link.proto.query_string == f"doc={source['sha256']}"
