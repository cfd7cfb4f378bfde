"""The Chat page after the claim check, with the real embedder and a fake model whose reply is fixed:
an invented answer is shown as "not found" with the model's text behind a click; a supported answer
the model left uncited gets its citation, and only the supporting passage sentence is marked."""

import pytest

from core.chat.prompts import NOT_FOUND
from tests.llm_servers import FakeServer, OpenAIHandler
from tests.pages.test_pages import fresh_library, page, upload  # noqa: F401 - the fixture is used

pytestmark = pytest.mark.integration
QUESTION = "When was the lighthouse on Skarvoy built?"


def ask_with_reply(monkeypatch, lighthouse_pdf, reply: list[str]):
    with FakeServer(OpenAIHandler, ["fake"], answer=reply) as server:
        monkeypatch.setenv("DOCCHAT_LLM", "openai:fake")
        monkeypatch.setenv("DOCCHAT_OPENAI_URL", f"{server.url}/v1")
        upload([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
        at = page("pages/1_Chat.py")
        at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    return at


def test_an_answer_no_passage_supports_is_shown_as_not_found_with_the_model_text_behind_a_click(
        monkeypatch, lighthouse_pdf):
    invented = "It was designed by Gustave Eiffel in 1902 as a gift from the French navy."
    at = ask_with_reply(monkeypatch, lighthouse_pdf, [invented])
    message = at.session_state.messages[1]
    assert message["content"] == NOT_FOUND and message["found"] is False
    assert message["model_text"] == invented
    assert any(e.label.startswith("⚠ The model's answer") for e in at.expander)
    assert any(e.label.startswith("Closest passages") for e in at.expander)


def test_a_supported_answer_gets_its_citation_and_only_the_supporting_sentence_is_marked(
        monkeypatch, lighthouse_pdf):
    at = ask_with_reply(monkeypatch, lighthouse_pdf,
                        ["1874. The Skarvoy lighthouse was built in 1874 by the harbour board. ",
                         "It was painted red by volunteers in 1990."])
    message = at.session_state.messages[1]
    assert message["found"] is True
    [n] = message["check"]["cited"]
    assert message["sources"][n - 1]["page"] == 2
    assert message["content"].startswith(f"1874 [{n}]. The Skarvoy lighthouse was built in 1874 by the harbour "
                                         f"board [{n}].")
    assert message["content"].endswith("in 1990. ⚠ (not in your documents)")
    marked = [m.value for m in at.markdown if ":orange-background[" in m.value]
    assert len(marked) == 1 and "1874" in marked[0] and "whale oil" not in marked[0].split("]")[0]


def test_each_sentence_shows_the_passage_sentence_that_supports_it_and_opens_it_on_its_page(
        monkeypatch, lighthouse_pdf):
    at = ask_with_reply(monkeypatch, lighthouse_pdf,
                        ["The Skarvoy lighthouse was built in 1874 by the harbour board. ",
                         "It was painted red by volunteers in 1990."])
    message = at.session_state.messages[1]
    claims = message["check"]["claims"]
    assert [c["passage"] is not None for c in claims] == [True, False]
    [evidence] = [e for e in at.expander if e.label == "Where each sentence comes from"]
    shown = [c.value for c in evidence.caption]
    assert "lighthouse\\.pdf" in shown[0] and "1874" in shown[0] and "whale oil" not in shown[0]
    assert shown[1] == "⚠ not in your documents"
    [button] = [b for b in at.button if b.key == "m1_claim_0"]
    assert button.label == "Show on page 2"
    button.click().run()
    assert not at.exception
    [image] = at.get("image")  # the page, drawn with the supporting sentence marked
    assert image.captions == ["Page 2 of 2"]
    assert not [c.value for c in at.caption if "was not found in this page" in c.value]  # the sentence is marked


def test_a_refusal_while_documents_wait_for_vectors_says_to_ask_again_once_they_are_in(monkeypatch, lighthouse_pdf):
    """Asked right after an upload, a question is searched by words only; a refusal then says so."""
    from core.ingest.background import Embedder
    from core.ingest.records import Upload
    from core.service import DocChat
    from core.settings import load_settings

    monkeypatch.setattr(Embedder, "poke", lambda self: None)  # the vectors stay missing during the question
    invented = "It was designed by Gustave Eiffel in 1902 as a gift from the French navy."
    with FakeServer(OpenAIHandler, ["fake"], answer=[invented]) as server:
        monkeypatch.setenv("DOCCHAT_LLM", "openai:fake")
        monkeypatch.setenv("DOCCHAT_OPENAI_URL", f"{server.url}/v1")
        added = list(DocChat(load_settings()).ingest_uploads(
            [Upload("lighthouse.pdf", lighthouse_pdf.read_bytes(), defer_vectors=True)]))
        assert added[0].ok
        at = page("pages/1_Chat.py")
        at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    message = at.session_state.messages[1]
    assert message["found"] is False and message["indexing"] == 1
    assert any("1 document was still being indexed when this was asked" in c.value for c in at.caption)
