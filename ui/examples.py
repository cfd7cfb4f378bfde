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

from core.chat.examples import OPENING_PASSAGES, Opening, Subject, example_subjects
from core.service import DocChat
from core.store.records import DocumentRecord
from ui import i18n
from ui.i18n import N_, _
from ui.render import inert_text

ASKED = "example_question"  # session key: the example clicked, asked by the Chat page on its next run
DOCUMENTS_LOOKED_AT = 6  # the newest ones; three examples are usually found among them
POLL_S = 1.0
ABOUT_HEADING = N_("What do your documents say about “{subject}”?")
ABOUT_PHRASE = N_("What do your documents say about {subject}?")


class _Finder:
    """The examples of each set of documents, found once in one background thread."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="examples")
        self.found: LRUCache[tuple[str, ...], Future[list[Subject]]] = LRUCache(maxsize=16)
        self.lock = threading.Lock()

    def get(self, app: DocChat, documents: list[DocumentRecord]) -> Future[list[Subject]]:
        newest = list(reversed(documents))[:DOCUMENTS_LOOKED_AT]
        key = tuple(d.sha256 for d in newest)
        with self.lock:
            if (future := self.found.get(key)) is None:
                future = self.found[key] = self.pool.submit(_find, app, newest)
            return future


def _find(app: DocChat, documents: list[DocumentRecord]) -> list[Subject]:
    openings = []
    for document in documents:
        chunks = [chunk for _, chunk in app.passages(document.sha256)]
        headings = list(dict.fromkeys(c.heading for c in chunks if c.heading))
        openings.append(Opening(headings, [c.text for c in chunks[:OPENING_PASSAGES]]))
    return example_subjects(openings)


def question(subject: Subject) -> str:
    """The example as the reader asks it: in the interface's language, or in Korean for a Korean
    subject (its passages are Korean, and so will the answer be)."""
    template = ABOUT_HEADING if subject.heading else ABOUT_PHRASE
    worded = i18n.translations("ko").gettext(template) if subject.korean else _(template)
    return worded.format(subject=subject.text)


@st.cache_resource(show_spinner=False)
def _finder() -> _Finder:
    return _Finder()


def render(app: DocChat, documents: list[DocumentRecord]) -> None:
    """The examples of ``documents`` as buttons, as soon as they are found."""
    future = _finder().get(app, documents)
    st.fragment(_buttons, run_every=None if future.done() else POLL_S)(future)


def _buttons(future: Future[list[Subject]]) -> None:
    if not future.done() or future.exception() is not None:
        return  # nothing to suggest is better than an error on an empty page
    questions = [question(subject) for subject in future.result()]
    if not questions:
        return
    st.caption(_("For example:"))
    for n, asked in enumerate(questions):
        if st.button(inert_text(asked), key=f"example_{n}", type="tertiary", icon="💡"):
            st.session_state[ASKED] = asked
            st.rerun()  # the whole page: it asks the question as if typed
