""""Show on the page": a cited PDF page opens beside the chat, the passage's lines marked
(``DocChat.page_view``), with the stored file one click away."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.render import inert_text
from ui.resources import docchat


def view_button(source: dict[str, Any], key: str) -> None:
    """Under a source with a page: the button that opens it (the dialog shows on the rerun)."""
    if source.get("sha256") and source.get("page") is not None and not source.get("deleted"):
        st.button(f"Show on page {source['page']}", key=key, icon="🔎", on_click=_ask, args=(source,),
                  type="tertiary")


def _ask(source: dict[str, Any]) -> None:
    st.session_state.page_view = source


def show_if_asked() -> None:
    """Open the page the reader asked for in this rerun, once."""
    if (source := st.session_state.pop("page_view", None)) is not None:
        _dialog(source)


@st.dialog("Where this passage stands", width="large")
def _dialog(source: dict[str, Any]) -> None:
    name, page = inert_text(str(source.get("source", ""))), int(source["page"])
    st.markdown(f"**{name}**, page {page}")
    view = docchat().page_view(source["sha256"], page, str(source.get("text", "")))
    if view is None:
        st.info("This page cannot be shown: the stored file is not a PDF, is missing, or needs its password.")
        st.markdown(inert_text(str(source.get("text", ""))))
        return
    if not view.marked:
        st.caption("The passage was not found in this page's text layer (a scan, or text laid out differently); "
                   "the page is shown unmarked.")
    st.image(view.png, caption=f"Page {view.page} of {view.pages}", width="stretch")
    if (original := docchat().original(source["sha256"])) is not None:
        st.download_button("Open the original", original, file_name=str(source.get("source") or "document.pdf"),
                           mime="application/pdf")
