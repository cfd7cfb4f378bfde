"""Rendering an answer's sources: file, page and the passage, shown as plain text."""

from __future__ import annotations

import streamlit as st


def source_label(source: dict) -> str:
    page = f" — page {source['page']}" if source.get("page") is not None else ""
    return f"[{source['n']}] {source['source']}{page}"


def render_sources(sources: list[dict], expanded: bool = False) -> None:
    if not sources:
        return
    with st.expander(f"Sources ({len(sources)})", expanded=expanded):
        for source in sources:
            st.markdown(f"**{_escape(source_label(source))}** · score {source['score']:.2f}")
            st.text(source["text"])


def _escape(text: str) -> str:
    """Markdown-escape a file name so ``*`` or ``_`` in it shows as typed."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~" else ch for ch in text)
