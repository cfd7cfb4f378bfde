"""A chat about some documents only ("Ask about this document", issue 17).

The Documents page and every source link to the Chat page with the documents in the URL
(``?doc=<sha256>&doc=…``): a new chat limited to them, searched inside FAISS and FTS5 like a
collection (``core.store.scope``). Its first saved turn stores the scope with the conversation, so
reopening it (``?c=…``) searches the same documents; the chat header says which.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.store.scope import Scope
from ui.i18n import _, ngettext
from ui.render import inert_text
from ui.resources import docchat

PARAM = "doc"
CHAT_PAGE = "pages/1_Chat.py"


def from_url() -> Scope | None:
    """The documents a link asked about, or None when it named none."""
    documents = st.query_params.get_all(PARAM)
    return Scope.of(documents=documents) if documents else None


def link(shas: list[str], label: str) -> None:
    """From another page: a link that opens a new chat about these documents."""
    st.page_link(CHAT_PAGE, label=label, icon="💬", query_params={PARAM: shas})


def button(shas: list[str], key: str) -> None:
    """On the Chat page (under a source): start a new chat about these documents, without leaving it."""
    st.button(_("Ask about this document"), key=key, icon="💬", type="tertiary", on_click=_about, args=(shas,))


def _about(shas: list[str]) -> None:
    if "c" in st.query_params:
        del st.query_params["c"]
    st.query_params[PARAM] = shas  # ``open_from_url`` starts the chat on the rerun


def header(scope: Scope | None, start_over: Callable[[str | None], None]) -> None:
    """Under the title of a chat limited to some documents: which ones, and the way back to the whole
    library (``start_over``: the New chat callback)."""
    if scope is None or not scope.documents:
        return
    names = {d.sha256: d.name for d in docchat().documents_in(scope)}
    shown = [f"**{inert_text(names[sha])}**" for sha in scope.documents if sha in names]
    gone = len(scope.documents) - len(shown)
    deleted = ngettext("{n} deleted document", "{n} deleted documents", gone)
    about = ", ".join(shown) + (_(" and {deleted}").format(deleted=deleted) if gone and shown
                                else deleted if gone else "")
    text, button = st.columns([4, 1], vertical_alignment="center")
    text.info(_("This chat searches only {documents}.").format(documents=about), icon="📄")
    button.button(_("Ask the whole library"), on_click=start_over, args=(None,), use_container_width=True)
