"""The sidebar's list of pages, in the reader's language.

Streamlit names the pages of ``pages/`` after their files ("Chat", "Documents"), in English whatever the
language, so its own list is hidden (``client.showSidebarNavigation = false`` in .streamlit/config.toml)
and drawn here with the catalog's words, above the language switch, on every page.

Streamlit resolves a link's path from the entry script's folder, so the list is drawn only when the app
runs from ``Home.py`` (``scripts/app.sh``); a page file run on its own (a unit test of that page) has
no pages to link to and shows the switch alone.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import i18n
from ui.i18n import N_, _

PAGES = (("Home.py", N_("Home"), "🔒"), ("pages/1_Chat.py", N_("Chat"), "💬"),
         ("pages/2_Documents.py", N_("Documents"), "📄"))


def sidebar() -> None:
    """The page links and the language switch, at the top of the sidebar."""
    run = get_script_run_ctx()
    from_entry = run is not None and Path(run.main_script_path).name == PAGES[0][0]
    with st.sidebar:
        for path, label, icon in PAGES if from_entry else ():
            st.page_link(path, label=_(label), icon=icon)
        i18n.switch()
        st.divider()
