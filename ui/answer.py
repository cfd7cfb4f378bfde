"""A finished answer as the page keeps and shows it, after the claim check (core/chat/claims.py):
the citations it found written into the text, unsupported sentences marked, and an answer with no
support at all replaced by "not found", the model's text kept behind a click."""

from __future__ import annotations

import streamlit as st

from core.chat.citations import cited
from core.chat.claims import ClaimCheck, annotate
from core.chat.engine import Verdict
from core.chat.language import Language
from ui.render import inert_markdown, inert_text
from ui.sources import render_sources

UNSUPPORTED_LABEL = "The model's answer (not supported by your documents)"


def check_dict(check: ClaimCheck, text: str, sources: int) -> dict:
    """What a chat message keeps of the check (plain data in the session state): the supporting
    passages first, then those only the model cited; the supporting pieces of each passage."""
    numbers = check.cited() + [n for n in cited(text, sources) if n not in check.cited()]
    return {"cited": numbers, "used": {str(n): sorted(check.used(n)) for n in check.cited()},
            "ms": round(1000 * check.seconds, 1)}


def finished(verdict: Verdict, language: Language | None, sources: list[dict], found: bool) -> dict:
    """The assistant message for a streamed answer in the asker's ``language``, as its claim check judged it."""
    message: dict = {"role": "assistant", "content": verdict.text, "sources": sources, "found": found}
    if verdict.check is None or not found:
        return message
    if verdict.refused:
        return {**message, "found": False, "model_text": verdict.model_text}
    return {**message, "content": annotate(verdict.text, verdict.check, language.code if language else "en"),
            "check": check_dict(verdict.check, verdict.text, len(sources))}


def render_extras(message: dict, key: str = "") -> None:
    """Below the answer text: what was searched for (a follow-up's rewrite), the model's unsupported
    text (behind a click), then the sources."""
    if message.get("searched"):
        st.caption(f"Searched for: *{inert_text(message['searched'])}*")
    if message.get("model_text"):
        with st.expander(f"⚠ {UNSUPPORTED_LABEL}"):
            st.markdown(inert_markdown(message["model_text"]))
    render_sources(message.get("sources", []), message["content"], message.get("found", True), message.get("check"),
                   key)
