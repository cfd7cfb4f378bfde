"""End to end: the real Streamlit app in a real (headless) Chromium.

Upload a generated text file on the Documents page, ask about it on the Chat page with the
tiny SmolLM2 model, and check that the answer cites the file; then check that a second
browser session shares the library but not the first session's conversation. And: a document
and an answer full of images, links and HTML pointing at a loopback "beacon" server make the
browser request nothing from it (the answer comes from a loopback OpenAI-compatible fake).

Needs the system Chromium at /usr/bin/chromium (``apt-get install chromium``); Playwright's
own browser downloads are never used. Set ``DOCCHAT_SCREENSHOT=path.png`` to also save a
full-page screenshot of the answered chat (that is how docs/screenshot-chat.png is made).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.llm_servers import BeaconServer, FakeServer, OpenAIHandler
from tests.streamlit_server import streamlit_app

CHROMIUM = Path("/usr/bin/chromium")
TEST_LLM = "llama.cpp:smollm2-135m-instruct.q4_1"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INGEST_TIMEOUT_MS = 90_000  # first upload loads the embedding model
ANSWER_TIMEOUT_MS = 120_000  # first question loads the LLM, then streams the answer
UI_TIMEOUT_MS = 30_000
# The sidebar's page list (ui/nav.py draws it with st.page_link, in the reader's language).
NAV_LINK = '[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]'

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is missing (apt-get install chromium); Playwright browsers are never downloaded",
    ),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

DOCUMENT_NAME = "marta_quell_lighthouse.txt"
DOCUMENT_TEXT = """\
Marta Quell is the keeper of the lighthouse on Skarvoy island, a windswept rock in the far north.
She has tended the light alone for twenty-two winters and rows to the mainland every Sunday.

The Skarvoy lighthouse was built in 1874 by the harbour board. Its tower is made of grey granite
and it stands forty-one metres above the sea. The lamp was first fuelled with whale oil.

Every evening Marta Quell climbs the hundred and twelve steps of the tower, winds the clockwork
that turns the lens, and writes the weather into the logbook that her grandmother started.
"""
QUESTION = "When was the lighthouse on Skarvoy island built?"


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    with _streamlit_app(tmp_path, DOCCHAT_LLM=TEST_LLM) as url:
        yield url


@contextmanager
def _streamlit_app(tmp_path: Path, **settings: str) -> Iterator[str]:
    """The app served by ``streamlit run`` on a free port, with its library in tmp_path and the
    given ``DOCCHAT_*`` settings; its URL."""
    with streamlit_app(tmp_path, **settings) as port:
        yield f"http://localhost:{port}"


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _wait_until_idle(page, timeout: int = UI_TIMEOUT_MS) -> None:
    """Wait until the page's script run is over (Streamlit marks it on the app root) and stays over for
    a second: an answer's run ends in ``st.rerun()``, and the page can read "notRunning" for a moment
    between that run and the next, whose redraw would then swallow a click made in the gap."""
    state = page.locator('[data-testid="stApp"]')
    expect(state).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)
    page.wait_for_function(
        """() => new Promise(resolve => {
            const idle = () => document.querySelector('[data-testid="stApp"]')
                ?.getAttribute("data-test-script-state") === "notRunning";
            const started = performance.now();
            const tick = () => {
                if (!idle()) return resolve(false);
                if (performance.now() - started >= 1000) return resolve(true);
                requestAnimationFrame(tick);
            };
            tick();
        })""",
        timeout=timeout,
    )


def _open(expander, timeout: int = UI_TIMEOUT_MS):
    """Open a closed expander and return its details; clicked again if a redraw closed it meanwhile."""
    details = expander.locator('[data-testid="stExpanderDetails"]')
    deadline = time.monotonic() + timeout / 1000
    while True:
        expander.locator("summary").click()
        try:
            expect(details).to_be_visible(timeout=3000)
            return details
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def _wait_until_settled(locator, timeout: int = UI_TIMEOUT_MS) -> None:
    """Wait until an element keeps the same size for a few animation frames (an expander opening)."""
    locator.evaluate(
        """(element, timeout) => new Promise((resolve, reject) => {
            const started = performance.now();
            let last = "", same = 0;
            const tick = () => {
                const box = element.getBoundingClientRect();
                const now = `${box.width}x${box.height}`;
                same = now === last ? same + 1 : 0;
                last = now;
                if (same >= 10) return resolve();
                if (performance.now() - started > timeout) return reject(new Error("still moving"));
                requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
        })""",
        timeout,
    )


def _add_document(page, base_url: str, document: Path) -> None:
    page.goto(f"{base_url}/Documents")
    uploader = page.locator('[data-testid="stFileUploader"]')
    expect(uploader).to_be_visible(timeout=UI_TIMEOUT_MS)
    uploader.locator('input[type="file"]').set_input_files(str(document))
    # the chip's button reads "Cancel upload of X" while uploading and "Remove X" once uploaded
    expect(uploader.get_by_role("button", name=f"Remove {document.name}")).to_be_visible(timeout=UI_TIMEOUT_MS)
    page.get_by_role("button", name="Add to library").click()
    success = page.locator('[data-testid="stAlertContentSuccess"]')
    expect(success).to_contain_text(document.name, timeout=INGEST_TIMEOUT_MS)
    expect(success).to_contain_text("chunk")
    _wait_until_idle(page, INGEST_TIMEOUT_MS)
    expect(page.get_by_role("heading", name=re.compile(r"Library \(1 documents?\)"))).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]')).to_be_visible(timeout=UI_TIMEOUT_MS)


def _ask(page, base_url: str, question: str, before_the_answer: Callable[[object], None] | None = None):
    """Ask on the Chat page; return the assistant message once its answer has finished streaming.
    ``before_the_answer(assistant)`` runs once the sources are shown, while the model may still read."""
    page.goto(f"{base_url}/Chat")
    chat_input = page.locator('[data-testid="stChatInput"] textarea')
    expect(chat_input).to_be_visible(timeout=UI_TIMEOUT_MS)
    chat_input.fill(question)
    chat_input.press("Enter")

    user = page.locator('[data-testid="stChatMessage"]').filter(
        has=page.locator('[data-testid="stChatMessageAvatarUser"]')
    )
    expect(user).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(user).to_contain_text(question)

    assistant = page.locator('[data-testid="stChatMessage"]').filter(
        has=page.locator('[data-testid="stChatMessageAvatarAssistant"]')
    )
    sources = assistant.locator('[data-testid="stExpander"]').filter(
        has=page.locator("summary", has_text=re.compile(r"Sources \(\d+\)"))
    )
    expect(sources).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    if before_the_answer:
        before_the_answer(assistant)
    _wait_until_idle(page, ANSWER_TIMEOUT_MS)  # the tokens are streamed after the sources are shown
    return assistant, sources


def test_upload_ask_and_sessions(app_url: str, browser, tmp_path: Path) -> None:
    document = tmp_path / DOCUMENT_NAME
    document.write_text(DOCUMENT_TEXT, encoding="utf-8")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        _add_document(page, app_url, document)

        assistant, sources = _ask(page, app_url, QUESTION)
        expect(assistant).to_have_count(1)
        # the answer text is the markdown outside the status box and the sources expander
        answer = assistant.locator(
            '[data-testid="stMarkdownContainer"]:not([data-testid="stExpander"] *)'
        )
        expect(answer.first).to_be_visible()
        answer_text = " ".join(answer.all_inner_texts()).strip()
        assert answer_text, "the assistant message has no answer text"
        print(f"answer: {answer_text!r}")
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)

        details = _open(sources)
        expect(details).to_contain_text(DOCUMENT_NAME)
        expect(details).to_contain_text("Skarvoy")
        expect(details.locator('[data-testid="stMarkdownContainer"]').nth(1)).to_be_visible()  # the passage
        _wait_until_settled(sources)

        page.screenshot(path=str(tmp_path / "chat.png"), animations="disabled")
        if target := os.environ.get("DOCCHAT_SCREENSHOT"):
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=target, full_page=True, animations="disabled")

        # A second browser session: same library, its own (new) conversation.
        other_context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            other = other_context.new_page()
            other.goto(f"{app_url}/Chat")
            expect(other.locator('[data-testid="stChatInput"] textarea')).to_be_visible(timeout=UI_TIMEOUT_MS)
            _wait_until_idle(other)
            expect(other.get_by_text("Your library is empty")).to_have_count(0)
            expect(other.locator('[data-testid="stChatMessage"]')).to_have_count(0)
            # its chat is empty; the library's conversations are listed (one owner until accounts exist)
            expect(other.locator('[data-testid="stMain"]').get_by_text(QUESTION)).to_have_count(0)
            expect(other.locator('[data-testid="stSidebar"]').get_by_role("button", name=QUESTION[:40])).to_be_visible()
        finally:
            other_context.close()

        # The first session keeps its conversation when it moves between pages in the app
        # (a full reload would start a new session, so use the sidebar's links).
        page.locator(NAV_LINK, has_text="Documents").click()
        expect(page.get_by_role("heading", name=re.compile("Documents"))).to_be_visible(timeout=UI_TIMEOUT_MS)
        page.locator(NAV_LINK, has_text="Chat").click()
        expect(page.locator('[data-testid="stChatMessage"]').first).to_contain_text(QUESTION, timeout=UI_TIMEOUT_MS)

        # The conversation is kept in the library and named in the URL: a reload (a new session)
        # shows it again, and it is listed in the sidebar under its first question.
        expect(page).to_have_url(re.compile(r"[?&]c=[0-9a-f]{16}"), timeout=UI_TIMEOUT_MS)
        page.reload()
        expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(2, timeout=UI_TIMEOUT_MS)
        expect(page.locator('[data-testid="stChatMessage"]').first).to_contain_text(QUESTION)
        expect(page.locator('[data-testid="stSidebar"]').get_by_role("button", name=QUESTION[:40])).to_be_visible()
        page.get_by_role("button", name="New chat").click()
        expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(0, timeout=UI_TIMEOUT_MS)
        expect(page).not_to_have_url(re.compile(r"[?&]c="))
    finally:
        context.close()


BEACON_DOCUMENT = """\
The Skarvoy lighthouse was built in 1874 by the harbour board. Its tower is made of grey granite
and it stands forty-one metres above the sea. The lamp was first fuelled with whale oil.
The keeper's logo is ![logo]({beacon}/document-image.png) and her page is [the keeper]({beacon}/document-link),
with <img src="{beacon}/document-html.png"> and ![seal][seal] and <{beacon}/document-autolink> and {beacon}/bare.

[seal]: {beacon}/document-reference.png
"""
# What a document could tell the model to say. Its first line also becomes the rewritten question of
# a follow-up (the condense call gets the same reply), which the page shows as "Searched for".
BEACON_ANSWER = (
    "It was built in **1874** [1]. ![logo]({beacon}/answer-image.png) [more]({beacon}/answer-link) "
    "<img src=\"{beacon}/answer-html.png\"> ![seal][seal] <{beacon}/answer-autolink>\n\n"
    "- granite\n- whale oil\n\n[seal]: {beacon}/answer-reference.png"
)


def _open_all_expanders(page) -> None:
    closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(20):  # each click opens one; the locator then finds the next
        if not closed.count():
            break
        closed.first.click()
        page.wait_for_timeout(100)
    expect(closed).to_have_count(0)
    _wait_until_idle(page)


READING = re.compile(r"Reading \d+ passages?…")
FIRST_WORDS = "It was built"  # of BEACON_ANSWER; in no passage


def _reading_until_the_first_token(assistant) -> None:
    """Between the sources and the first token the model reads: the page says so, the seconds tick,
    and the status box shows a spinner, not the finished tick (the fake server waits 3 s)."""
    reading = assistant.locator('[data-testid="stCaptionContainer"]', has_text=READING)
    expect(reading).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(assistant.get_by_text(FIRST_WORDS)).to_have_count(0)
    expect(assistant.locator('[data-testid="stExpanderIconSpinner"]')).to_have_count(1)
    expect(assistant.locator('[data-testid="stExpanderIconCheck"]')).to_have_count(0)
    expect(reading).to_contain_text(re.compile(r"… [1-9]\d* s"), timeout=UI_TIMEOUT_MS)  # the seconds tick
    if target := os.environ.get("DOCCHAT_READING_SCREENSHOT"):
        assistant.page.screenshot(path=target, animations="disabled")


def test_a_hostile_document_and_answer_make_the_browser_request_nothing(browser, tmp_path: Path) -> None:
    with BeaconServer() as beacon:
        text = BEACON_ANSWER.format(beacon=beacon.url)
        pieces = [text[i:i + 7] for i in range(0, len(text), 7)]  # drawn one by one while it streams
        document = tmp_path / "keeper.txt"
        document.write_text(BEACON_DOCUMENT.format(beacon=beacon.url), encoding="utf-8")
        # 3 s before the first token, as a real model reading its passages
        with FakeServer(OpenAIHandler, ["beacon-test"], answer=pieces, pause=0.05, mode="slow", delay=3.0
                        ) as llm_server, _streamlit_app(
            tmp_path, DOCCHAT_LLM="openai:beacon-test", DOCCHAT_OPENAI_URL=f"{llm_server.url}/v1"
        ) as url:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            seen: list[str] = []  # what the browser asked for, as a second witness
            context.on("request", lambda request: seen.append(request.url))
            try:
                page = context.new_page()
                _add_document(page, url, document)
                assistant, _ = _ask(page, url, QUESTION, _reading_until_the_first_token)
                expect(assistant.get_by_text(READING)).to_have_count(0)  # the answer replaced it
                expect(assistant).to_contain_text(FIRST_WORDS)
                # finished: drawn again as a stored answer is, without the status box that worked on it
                expect(assistant.locator('[data-testid="stExpanderIconSpinner"]')).to_have_count(0)
                expect(assistant.get_by_role("radiogroup", name="Feedback rating")).to_be_visible(timeout=UI_TIMEOUT_MS)
                page.wait_for_timeout(1000)  # time for an image request, were there one
                assert beacon.requests == [], "the streamed answer made the browser fetch"
                expect(assistant).to_contain_text("[1]")  # citations still show
                expect(assistant.locator("strong", has_text="1874")).to_have_count(1)  # formatting still renders
                expect(assistant.locator("li", has_text="whale oil")).to_have_count(1)
                shown = assistant.inner_text().replace("\u2060", "")  # the word joiner that stops bare links
                assert f"![logo]({beacon.url}/answer-image.png)" in shown  # shown as typed

                chat_input = page.locator('[data-testid="stChatInput"] textarea')
                chat_input.fill("And who built it?")  # a follow-up: "Searched for" shows the rewrite
                chat_input.press("Enter")
                expect(page.locator('[data-testid="stChatMessageAvatarAssistant"]')).to_have_count(
                    2, timeout=ANSWER_TIMEOUT_MS)
                _wait_until_idle(page, ANSWER_TIMEOUT_MS)
                expect(page.get_by_text("Searched for:")).to_have_count(1)
                _open_all_expanders(page)  # status boxes and sources, passages included
                expect(page.locator('[data-testid="stExpanderDetails"]').filter(
                    has_text="document-image.png").first).to_be_visible()

                # the history is drawn again from the session when the page is visited again
                page.locator(NAV_LINK, has_text="Documents").click()
                expect(page.get_by_role("heading", name=re.compile("Documents"))).to_be_visible(
                    timeout=UI_TIMEOUT_MS)
                page.locator(NAV_LINK, has_text="Chat").click()
                expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(4, timeout=UI_TIMEOUT_MS)
                _wait_until_idle(page)
                _open_all_expanders(page)

                expect(page.locator('[data-testid="stException"]')).to_have_count(0)
                for element in ("img", "a", "iframe", "source", "video", "audio"):
                    expect(page.locator(f"{element}[src*='{beacon.url}'], {element}[href*='{beacon.url}']")
                           ).to_have_count(0)
                page.wait_for_timeout(1500)  # a late image request would still arrive
            finally:
                context.close()
        assert [u for u in seen if u.startswith(beacon.url)] == []
        assert beacon.requests == []
