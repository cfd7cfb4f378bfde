""""Show on the page": a cited PDF page opens beside the chat, the passage's lines marked
(``DocChat.page_view``); a passage of another kind of file (Word, HTML, Markdown, text, tables) opens
among its neighbours under its section heading. The stored file is one click away in both."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.i18n import _, ngettext
from ui.render import inert_text
from ui.resources import docchat

NEIGHBOURS = 2  # passages shown before and after the cited one


def view_button(source: dict[str, Any], key: str) -> None:
    """Under a source: the button that opens it where it stands (the dialog shows on the rerun)."""
    if source.get("sha256") and not source.get("deleted"):
        label = (_("Show on page {page}").format(page=source["page"]) if source.get("page") is not None
                 else _("Show in the document"))
        st.button(label, key=key, icon="🔎", on_click=_ask, args=(source,), type="tertiary")


def _ask(source: dict[str, Any]) -> None:
    st.session_state.page_view = source


def show_if_asked() -> None:
    """Open the page the reader asked for in this rerun, once."""
    if (source := st.session_state.pop("page_view", None)) is not None:
        _dialog(source)


def _dialog(source: dict[str, Any]) -> None:
    """The dialog's title is fixed when it is declared, so it is declared in the reader's language."""
    st.dialog(_("Where this passage stands"), width="large")(_page)(source)


def _page(source: dict[str, Any]) -> None:
    name = inert_text(str(source.get("source", "")))
    view = None
    if source.get("page") is not None:
        st.markdown(_("**{name}**, page {page}").format(name=name, page=source["page"]))
        view = docchat().page_view(source["sha256"], int(source["page"]), str(source.get("text", "")))
    else:
        st.markdown(f"**{name}**")
    if view is not None:
        if not view.marked:
            st.caption(_("The passage was not found in this page's text layer (a scan, or text laid out "
                         "differently); the page is shown unmarked."))
        st.image(view.png, caption=_("Page {page} of {pages}").format(page=view.page, pages=view.pages),
                 width="stretch")
    else:
        _in_context(source)
    if (original := docchat().original(source["sha256"])) is not None:
        st.download_button(_("Open the original"), original, file_name=str(source.get("source") or "document"),
                           mime="application/octet-stream")


def _in_context(source: dict[str, Any]) -> None:
    """The cited passage among its neighbours, under its section heading, marked; all passages below."""
    passages = docchat().passages(source["sha256"])
    text = str(source.get("text", ""))
    at = next((i for i, (chunk_id, chunk) in enumerate(passages)
               if chunk_id == source.get("chunk_id") or chunk.text == text), None)
    if at is None:
        st.markdown(inert_text(text))
        return
    heading = passages[at][1].heading
    if heading:
        st.caption(inert_text(heading))
    for i in range(max(0, at - NEIGHBOURS), min(len(passages), at + NEIGHBOURS + 1)):
        body = inert_text(passages[i][1].text).replace("\n", "  \n")
        st.markdown(f":orange-background[{body}]" if i == at else body)
    with st.expander(ngettext("All {n} passage of this document", "All {n} passages of this document", len(passages))):
        for _, chunk in passages:
            st.markdown(inert_text(chunk.text).replace("\n", "  \n"))
