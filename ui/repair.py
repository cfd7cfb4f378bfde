"""Vectors the library lost are rebuilt before the page searches or writes, with a progress bar.

The index file is derived data (``core.store.index_file``): when it was deleted, damaged or put
back from an older backup, the rows are still there and their vectors are embedded again from the
stored text. One session rebuilds; another arriving meanwhile waits for it, then finds nothing
left to do."""

from __future__ import annotations

import threading

import streamlit as st

from ui.i18n import ngettext
from ui.render import inert_text
from ui.resources import docchat


@st.cache_resource(show_spinner=False)
def _repair_lock() -> threading.Lock:
    return threading.Lock()


def repair_vectors() -> None:
    app = docchat()
    missing = app.missing_vectors()
    if not missing or app.needs_reindex():
        return
    label = ngettext("Rebuilding the search index for {n} passage from its stored text…",
                     "Rebuilding the search index for {n} passages from their stored text…", missing)
    bar = st.progress(0.0, text=label)
    with _repair_lock():
        count = app.repair(lambda done: bar.progress(min(done, 1.0), text=label))
    bar.empty()
    if count:
        st.info(ngettext("The search index was missing or out of date; {n} passage was embedded again. No "
                         "document was lost.",
                         "The search index was missing or out of date; {n} passages were embedded again. No "
                         "document was lost.", count), icon="🔁")


def report_missing_originals() -> None:
    """Documents whose stored file vanished stay listed and searchable; say which ones."""
    gone = docchat().missing_originals()
    if gone:
        names = ", ".join(inert_text(d.name) for d in gone[:10]) + (" …" if len(gone) > 10 else "")
        st.warning(ngettext("The stored original of {n} document is missing ({names}): its passages are still "
                            "searchable, but it cannot be downloaded or read again. Upload the file again to "
                            "restore it.",
                            "The stored original of {n} documents is missing ({names}): their passages are still "
                            "searchable, but they cannot be downloaded or read again. Upload the files again to "
                            "restore them.", len(gone), names=names), icon="⚠️")
