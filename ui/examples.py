"""Example questions under an empty chat (``core/chat/examples.py``), one click to ask.

Finding them parses the documents' opening passages, and the parser's first load takes seconds on two
cores: so they are found once per set of documents, in a background thread every session shares, and
the examples appear by themselves when ready (a fragment looks again every second meanwhile) instead
of holding up the page.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st
from cachetools import LRUCache

from core.chat.examples import OPENING_PASSAGES, Opening, example_questions
from core.service import DocChat
from core.store.records import DocumentRecord
from ui.i18n import _
from ui.render import inert_text

ASKED = "example_question"  # session key: the example clicked, asked by the Chat page on its next run
DOCUMENTS_LOOKED_AT = 6  # the newest ones; three examples are usually found among them
POLL_S = 1.0


class _Finder:
    """The examples of each set of documents, found once in one background thread."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="examples")
        self.found: LRUCache[tuple[str, ...], Future[list[str]]] = LRUCache(maxsize=16)
        self.lock = threading.Lock()

    def get(self, app: DocChat, documents: list[DocumentRecord]) -> Future[list[str]]:
        newest = list(reversed(documents))[:DOCUMENTS_LOOKED_AT]
        key = tuple(d.sha256 for d in newest)
        with self.lock:
            if (future := self.found.get(key)) is None:
                future = self.found[key] = self.pool.submit(_find, app, newest)
            return future


def _find(app: DocChat, documents: list[DocumentRecord]) -> list[str]:
    openings = []
    for document in documents:
        chunks = [chunk for _, chunk in app.passages(document.sha256)]
        headings = list(dict.fromkeys(c.heading for c in chunks if c.heading))
        openings.append(Opening(headings, [c.text for c in chunks[:OPENING_PASSAGES]]))
    return example_questions(openings)


@st.cache_resource(show_spinner=False)
def _finder() -> _Finder:
    return _Finder()


def render(app: DocChat, documents: list[DocumentRecord]) -> None:
    """The examples of ``documents`` as buttons, as soon as they are found."""
    future = _finder().get(app, documents)
    st.fragment(_buttons, run_every=None if future.done() else POLL_S)(future)


def _buttons(future: Future[list[str]]) -> None:
    if not future.done() or future.exception() is not None:
        return  # nothing to suggest is better than an error on an empty page
    questions = future.result()
    if not questions:
        return
    st.caption(_("For example:"))
    for n, question in enumerate(questions):
        if st.button(inert_text(question), key=f"example_{n}", type="tertiary", icon="💡"):
            st.session_state[ASKED] = question
            st.rerun()  # the whole page: it asks the question as if typed
