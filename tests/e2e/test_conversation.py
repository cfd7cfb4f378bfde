"""End to end with the default model (issue 18): in a real Chromium, a first question, a follow-up that
points back at it ("Who built it?") and a Korean question, in one conversation. The follow-up is
rewritten with the conversation (the page says what it searched for) and answered from the passage;
the Korean question is answered in Korean; each answer is checked against its passages (no answer
is shown as "not found" here, since every one is in the document)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.chat.language import KOREAN, detect_language
from core.chat.prompts import is_not_found
from tests.e2e.test_browser import (
    ANSWER_TIMEOUT_MS,
    DOCUMENT_NAME,
    DOCUMENT_TEXT,
    UI_TIMEOUT_MS,
    _add_document,
    _streamlit_app,
    _wait_until_idle,
    browser,  # noqa: F401 - the fixture
    expect,
)

pytestmark = pytest.mark.e2e
ANSWER = '[data-testid="stMarkdownContainer"]:not([data-testid="stExpander"] *)'


def _ask_here(page, question: str, turn: int):
    """Ask in the open conversation (no reload: that would start a new session); the ``turn``-th
    assistant message (0-based) once the page is idle again, and its answer text."""
    chat_input = page.locator('[data-testid="stChatInput"] textarea')
    expect(chat_input).to_be_enabled(timeout=UI_TIMEOUT_MS)
    chat_input.fill(question)
    chat_input.press("Enter")
    assistant = page.locator('[data-testid="stChatMessage"]').filter(
        has=page.locator('[data-testid="stChatMessageAvatarAssistant"]'))
    expect(assistant).to_have_count(turn + 1, timeout=ANSWER_TIMEOUT_MS)
    _wait_until_idle(page, 2 * ANSWER_TIMEOUT_MS)
    message = assistant.nth(turn)
    text = " ".join(message.locator(ANSWER).all_inner_texts()).strip()
    print(f"{question!r} -> {text!r}")
    return message, text


def test_a_follow_up_and_a_korean_question_with_the_default_model(browser, tmp_path: Path) -> None:  # noqa: F811
    document = tmp_path / DOCUMENT_NAME
    document.write_text(DOCUMENT_TEXT, encoding="utf-8")
    with _streamlit_app(tmp_path) as url:  # the settings' default model
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        try:
            page = context.new_page()
            _add_document(page, url, document)
            page.goto(f"{url}/Chat")

            _, first = _ask_here(page, "When was the lighthouse on Skarvoy island built?", 0)
            assert "1874" in first

            follow_up, second = _ask_here(page, "Who built it?", 1)
            expect(follow_up).to_contain_text(re.compile("Searched for: .*(lighthouse|Skarvoy)", re.IGNORECASE))
            assert "harbour board" in second.lower()

            korean, third = _ask_here(page, "Skarvoy 등대의 탑은 무엇으로 만들어졌나요?", 2)
            assert detect_language(third) == KOREAN, third
            assert not is_not_found(third), third
            expect(korean.locator('[data-testid="stExpander"]').filter(has_text="Sources")).to_have_count(1)
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
            page.screenshot(path=str(tmp_path / "conversation.png"), full_page=True, animations="disabled")
        finally:
            context.close()
