"""Search vectors that follow their documents, on the pages.

An upload is committed as soon as it is read (keyword search finds it at once) and its vectors are
embedded by the process's one background thread (``Embedder``, started once, ``st.cache_resource``),
which leaves the CPU to a model answering a question and resumes after (core.ingest.background).
The same thread puts back vectors an index file lost, so no page waits for either. The Documents page
shows its progress and updates by itself; the Chat page says when answers cannot yet use the meaning
of some documents. When another process (a second app, ``watch run``) is the library's embedder, this
one leaves the work to it and the pages show the same progress from the library itself.
"""

from __future__ import annotations

import atexit
from datetime import timedelta

import streamlit as st

from core.ingest.background import Embedder
from ui.i18n import _, ngettext, said
from ui.render import inert_text
from ui.resources import docchat

REFRESH = timedelta(seconds=2)  # how often the Documents page redraws the progress while vectors are missing
DRAWN = "library_passages_drawn"  # session key: the library's passage count when the page drew its table


_EMBEDDERS: list[Embedder] = []


@st.cache_resource(show_spinner=False)
def embedder() -> Embedder:
    app = docchat()
    found = Embedder(lambda stop: app.embed_pending(stop=stop))
    _EMBEDDERS.append(found)
    return found


@atexit.register
def stop_all() -> None:
    """Stop the thread at exit and between tests; a slice in progress ends, committed batches stay."""
    while _EMBEDDERS:
        _EMBEDDERS.pop().close()


def start() -> dict[str, tuple[int, int]]:
    """On every page run: vectors that are missing (new documents, a lost index) get embedded. Returns
    ``DocChat.pending`` as read for that, so the page reads the library once for both."""
    pending = docchat().pending()
    if pending:
        embedder().poke()
    return pending


def status_of(pending: dict[str, tuple[int, int]], sha256: str) -> str | None:
    """"embedding 12/40" for the Documents table's status column, None for a document with every vector."""
    if sha256 not in pending:
        return None
    waiting, chunks = pending[sha256]
    return _("embedding {done}/{chunks}").format(done=chunks - waiting, chunks=chunks)


def progress(pending: dict[str, tuple[int, int]]) -> None:
    """The Documents page's progress line while vectors are missing (``pending``: ``DocChat.pending``),
    redrawn every two seconds by itself; once they are all in, the whole page runs again so the table's
    status column says "ready". A page with nothing waiting polls nothing, and draws an empty slot in
    the line's place: the page keeps its shape, so the run that follows the last vector replaces each
    element in place instead of showing the old list heading beside the new one while it runs."""
    if pending:
        st.fragment(_progress_line, run_every=REFRESH)()
    else:
        st.empty()


def remember_drawn() -> None:
    """Before the Documents page draws its table: what ``redraw_if_changed`` compares with."""
    st.session_state[DRAWN] = docchat().passage_count()


def redraw_if_changed() -> None:
    """In a fragment that refreshes by itself: the whole page runs again when the library changed since
    the page drew its table (a watched folder, another session or the CLI added, replaced or removed a
    document), so its list and count follow without a click."""
    drawn = st.session_state.get(DRAWN)
    if drawn is not None and docchat().passage_count() != drawn:
        st.rerun(scope="app")


def _progress_line() -> None:
    pending = docchat().pending()
    redraw_if_changed()
    if not pending:
        st.rerun(scope="app")
    waiting = sum(w for w, _ in pending.values())
    total = sum(c for _, c in pending.values())
    text = ngettext("Embedding in the background: {done} of {total} passages of {n} document. Its words are "
                    "searchable already; search by meaning follows.",
                    "Embedding in the background: {done} of {total} passages of {n} documents. Their words are "
                    "searchable already; search by meaning follows.", len(pending), done=total - waiting,
                    total=total)
    st.progress((total - waiting) / total if total else 1.0, text=text)
    if failure := embedder().failure:
        st.warning(_("Embedding stopped: {reason}. It tries again in a few seconds; nothing is lost.").format(
            reason=inert_text(said(failure))), icon="⚠️")


def chat_note(pending: dict[str, tuple[int, int]]) -> None:
    """On the Chat page: answers cannot use the meaning of documents still waiting for their vectors. An
    empty slot otherwise, so the conversation below keeps its place (``progress``)."""
    if not pending:
        st.empty()
    else:
        st.caption(ngettext("{n} document is still being indexed: answers find it by its words until its search "
                            "vectors are in.",
                            "{n} documents are still being indexed: answers find them by their words until their "
                            "search vectors are in.", len(pending)), help=None)
