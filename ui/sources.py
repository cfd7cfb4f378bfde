"""Rendering an answer's sources: file, page, heading and the passage, with the sentences the
answer used highlighted. Passage text and names are always escaped: they are the user's data, not
markup, and markup from a document could make the browser fetch an image from anywhere."""

from __future__ import annotations

import streamlit as st

from core.chat.citations import cited, highlight
from core.store.records import Hit
from ui import scope
from ui.i18n import _
from ui.page_viewer import view_button
from ui.render import inert_text


def source_dicts(hits: list[Hit]) -> list[dict]:
    """What a chat message keeps of its sources (plain data in the session state)."""
    return [{"n": n, "source": h.source, "page": h.page, "heading": h.heading, "score": h.score,
             "similarity": h.similarity, "text": h.text, "sha256": h.sha256, "chunk_id": h.chunk_id}
            for n, h in enumerate(hits, 1)]


def source_label(source: dict) -> str:
    page = _(" — page {page}").format(page=source["page"]) if source.get("page") is not None else ""
    heading = f" — {source['heading']}" if source.get("heading") else ""
    return f"[{source['n']}] {source['source']}{page}{heading}"


def render_sources(sources: list[dict], answer: str = "", found: bool = True, check: dict | None = None,
                   key: str = "") -> None:
    """Cited passages first (the answer's [n] keep their numbers); without an answer, as ranked.
    ``check`` is what the claim check found (``ui.answer.check_dict``): the passages and sentences
    that support the answer; only those are marked, never a sentence that merely shares words.
    ``key``: a message's own, for its "Show on the page" buttons (none without it)."""
    if not sources:
        return
    numbers = (check["cited"] if check is not None else cited(answer, len(sources))) if found else []
    order = numbers + [s["n"] for s in sources if s["n"] not in numbers]
    by_number = {s["n"]: s for s in sources}
    title = (_("Sources ({count})") if found else _("Closest passages ({count})")).format(count=len(sources))
    with st.expander(title):  # closed: a refusal's closest passages can run to pages of figure text
        for n in order:
            source = by_number[n]
            mark = _(" · **cited**") if n in numbers else ""
            st.markdown(f"**{inert_text(source_label(source))}**{mark}")
            used = set(check["used"].get(str(n), [])) if check is not None and found else None
            st.markdown(_highlighted(source["text"], answer if found else "", used))
            if key:
                view, ask = st.columns(2)
                with view:
                    view_button(source, f"{key}_view_{n}")
                if source.get("sha256") and not source.get("deleted"):
                    with ask:
                        scope.button([source["sha256"]], f"{key}_about_{n}")


def _highlighted(text: str, answer: str, used: set[int] | None = None) -> str:
    """Markdown for the passage: escaped, line breaks kept (table rows stay rows), used sentences
    marked."""
    pieces = highlight(text, answer, used) if answer or used else [(text, False)]
    out = []
    for part, marked in pieces:
        body = part.rstrip()
        tail = "  \n" if "\n" in part[len(body):] else part[len(body):]
        lines = "  \n".join(inert_text(line) for line in body.split("\n"))
        out.append((f":orange-background[{lines}]" if marked and body else lines) + tail)
    return "".join(out)
