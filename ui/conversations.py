"""The Chat page's conversations: the one open is named in the URL (``?c=<id>``), so a reload, a
bookmark or a second tab returns to it; the sidebar lists them newest first, with search, export,
rename and delete. The library keeps them (``DocChat.save_turn``); a session only caches the one
it shows."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.chat.transcript import to_json, to_markdown
from ui import scope
from ui.i18n import _, ngettext
from ui.render import inert_text
from ui.resources import docchat

SHOWN = 30  # conversations listed in the sidebar; the search box finds older ones


def open_from_url() -> None:
    """Show the conversation the URL names (its stored turns), or a new one when it names none. The
    same conversation open in another tab may have gained a turn or been deleted since this session
    drew it: then it is drawn again from the library, so both tabs show what is kept."""
    wanted, current = st.query_params.get("c"), st.session_state.get("conversation_id")
    if wanted is None and (about := scope.from_url()) is not None:  # "Ask about this document": a new chat
        if "messages" not in st.session_state or current is not None or st.session_state.get("scope") != about:
            st.session_state.update(messages=[], conversation_id=None, scope=about)
        return
    if "messages" in st.session_state and wanted is None and current:
        st.query_params["c"] = current  # back from another page, whose link does not carry it
        return
    stored = docchat().conversation(wanted) if wanted else None
    if "messages" in st.session_state and current == wanted and (
            stored is None and wanted is None or stored is not None and stored.record.turns == _saved_turns()):
        return
    st.session_state.update(messages=[], conversation_id=None, scope=None)
    if stored is None:
        if wanted:
            del st.query_params["c"]  # deleted meanwhile, or a mistyped link: start afresh
        return
    st.session_state.conversation_id = stored.record.id
    st.session_state.scope = stored.record.scope
    for turn in stored.turns:
        st.session_state.messages += [{"role": "user", "content": turn.question},
                                      {**turn.answer, "turn": turn.position}]


def _saved_turns() -> int:
    """How many of this session's turns the library holds (an answer that failed is not kept)."""
    return max((m.get("turn") or 0 for m in st.session_state.messages), default=0)


def save(question: str, message: dict[str, Any]) -> None:
    """Keep a finished turn; the first one creates the conversation and puts it in the URL."""
    record = docchat().save_turn(st.session_state.get("conversation_id"), question, message,
                                 scope=st.session_state.get("scope"))
    st.session_state.conversation_id = record.id
    st.query_params["c"] = record.id
    if scope.PARAM in st.query_params:
        del st.query_params[scope.PARAM]  # kept with the conversation now
    message["turn"] = record.turns  # its place in the conversation, for the reader's feedback


def feedback(message: dict[str, Any]) -> None:
    """Thumbs up or down under a stored answer, and an optional comment once judged; kept with the
    answer in the library (``python -m core eval feedback`` makes test cases of them)."""
    conversation, turn = st.session_state.get("conversation_id"), message.get("turn")
    if not conversation or not turn:
        return
    key = f"feedback_{conversation}_{turn}"
    stored = message.get("feedback") or {}
    score = st.feedback("thumbs", key=key, default=stored.get("score"), on_change=_judged,
                        args=(conversation, turn, key, message))
    if score is not None:
        st.text_input(_("What was wrong or right? (optional)"), value=stored.get("comment", ""), key=f"{key}_comment",
                      on_change=_judged, args=(conversation, turn, key, message), max_chars=2000)


def _judged(conversation: str, turn: int, key: str, message: dict[str, Any]) -> None:
    score, comment = st.session_state.get(key), st.session_state.get(f"{key}_comment", "")
    docchat().set_feedback(conversation, turn, score, comment or "")
    message["feedback"] = None if score is None else {"score": score, "comment": comment or ""}


def start(conversation_id: str | None) -> None:
    """A click in the list (or New chat, with None: the whole library): the URL names it,
    ``open_from_url`` shows it."""
    if scope.PARAM in st.query_params:
        del st.query_params[scope.PARAM]
    if conversation_id:
        st.query_params["c"] = conversation_id
        return
    st.session_state.update(messages=[], conversation_id=None, scope=None)
    if "c" in st.query_params:
        del st.query_params["c"]


def sidebar() -> None:
    """New chat, search, the list; for the open conversation: export, rename, delete."""
    app, current = docchat(), st.session_state.get("conversation_id")
    st.button(_("New chat"), icon="➕", on_click=start, args=(None,), use_container_width=True)
    query = st.text_input(_("Search conversations"), key="chat_search", placeholder=_("words from a title or answer"))
    found = app.conversations(query)
    for c in found[:SHOWN]:
        st.button(inert_text(c.title), key=f"chat_{c.id}", on_click=start, args=(c.id,), use_container_width=True,
                  type="primary" if c.id == current else "secondary",
                  help=ngettext("{n} turn · {date}", "{n} turns · {date}", c.turns, date=c.updated[:10]))
    if query and not found:
        st.caption(_("No conversation matches."))
    if current and (conversation := app.conversation(current)):
        _manage(current, conversation)


def _manage(current: str, conversation: Any) -> None:
    app = docchat()
    with st.expander(_("This conversation")):
        st.download_button(_("Export as Markdown"), to_markdown(conversation), file_name=f"conversation-{current}.md",
                           mime="text/markdown", use_container_width=True)
        st.download_button(_("Export as JSON"), to_json(conversation), file_name=f"conversation-{current}.json",
                           mime="application/json", use_container_width=True)
        title = st.text_input(_("Title"), value=conversation.record.title, key=f"title_{current}")
        if title.strip() and title != conversation.record.title and app.rename_conversation(current, title):
            st.rerun()
        if st.checkbox(_("Delete this conversation…"), key=f"confirm_{current}"):
            if st.button(_("Delete for good"), type="primary", key=f"delete_{current}"):
                app.delete_conversation(current)
                start(None)
                st.rerun()
