"""What the library lost, said on the pages; nothing is dropped for it.

Vectors an index file lost are embedded again in the background (``ui.indexing``), like those of new
documents; an original that vanished is named here: its passages stay searchable."""

from __future__ import annotations

import streamlit as st

from ui.i18n import ngettext
from ui.render import inert_text
from ui.resources import docchat


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
