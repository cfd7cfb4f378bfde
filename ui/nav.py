"""The sidebar's list of pages, in the reader's language.

Streamlit names the pages of ``pages/`` after their files ("Chat", "Documents"), in English whatever the
language, so its own list is hidden (``client.showSidebarNavigation = false`` in .streamlit/config.toml)
and drawn here with the catalog's words, above the language switch, on every page.
"""

from __future__ import annotations

import streamlit as st

from ui import i18n
from ui.i18n import N_, _

PAGES = (("Home.py", N_("Home"), "🔒"), ("pages/1_Chat.py", N_("Chat"), "💬"),
         ("pages/2_Documents.py", N_("Documents"), "📄"))


def sidebar() -> None:
    """The page links and the language switch, at the top of the sidebar."""
    with st.sidebar:
        for path, label, icon in PAGES:
            st.page_link(path, label=_(label), icon=icon)
        i18n.switch()
        st.divider()
