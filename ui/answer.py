"""A finished answer as the page keeps and shows it, after the claim check (core/chat/claims.py):
the citations it found written into the text, unsupported sentences marked, and an answer with no
support at all replaced by "not found", the model's text kept behind a click."""

from __future__ import annotations

import streamlit as st

from core.chat.citations import cited, pieces, strip_citations
from core.chat.claims import ClaimCheck, annotate, not_in_documents
from core.chat.engine import Verdict
from core.chat.language import Language
from ui.i18n import N_, _, ngettext
from ui.page_viewer import view_button
from ui.render import inert_markdown, inert_text
from ui.sources import render_sources, source_label

UNSUPPORTED_LABEL = N_("The model's answer (not supported by your documents)")
OFF_TOPIC_LABEL = N_("The model's answer (the passages it draws on do not answer the question)")


def check_dict(check: ClaimCheck, text: str, sources: int, language: str = "en") -> dict:
    """What a chat message keeps of the check (plain data in the session state): the supporting
    passages first, then those only the model cited; the supporting pieces of each passage; each
    checked sentence's support; the asker's language, that marks unsupported sentences."""
    numbers = check.cited() + [n for n in cited(text, sources) if n not in check.cited()]
    claims = [{"sentence": strip_citations(c.text).strip(), "passage": c.passage, "piece": c.piece}
              for c in check.claims if c.checked]
    return {"cited": numbers, "used": {str(n): sorted(check.used(n)) for n in check.cited()},
            "claims": claims, "language": language, "ms": round(1000 * check.seconds, 1)}


def finished(verdict: Verdict, language: Language | None, sources: list[dict], found: bool) -> dict:
    """The assistant message for a streamed answer in the asker's ``language``, as its claim check judged it."""
    message: dict = {"role": "assistant", "content": verdict.text, "sources": sources, "found": found}
    if verdict.check is None or not found:
        return message
    if verdict.refused:
        return {**message, "found": False, "model_text": verdict.model_text, "off_topic": verdict.off_topic}
    code = language.code if language else "en"
    return {**message, "content": annotate(verdict.text, verdict.check, code),
            "check": check_dict(verdict.check, verdict.text, len(sources), code)}


def render_extras(message: dict, key: str = "") -> None:
    """Below the answer text: what was searched for (a follow-up's rewrite, a translation), the model's unsupported
    text (behind a click), then the sources."""
    if message.get("searched"):
        st.caption(_("Searched for: *{query}*").format(query=inert_text(message["searched"])))
    if message.get("translated"):  # a Korean question near English passages (core/chat/translation.py)
        st.caption(_("Also searched in English: *{query}*").format(query=inert_text(message["translated"])))
    if message.get("indexing"):
        st.caption(ngettext("{n} document was still being indexed when this was asked, so it was searched by its "
                            "words only: ask again once its search vectors are in.",
                            "{n} documents were still being indexed when this was asked, so they were searched by "
                            "their words only: ask again once their search vectors are in.", message["indexing"]))
    if message.get("model_text"):
        with st.expander(f"⚠ {_(OFF_TOPIC_LABEL if message.get('off_topic') else UNSUPPORTED_LABEL)}"):
            st.markdown(inert_markdown(message["model_text"]))
    if message.get("found", True) and message.get("check"):
        render_evidence(message["check"], message.get("sources", []), key)
    render_sources(message.get("sources", []), message["content"], message.get("found", True), message.get("check"),
                   key)


def render_evidence(check: dict, sources: list[dict], key: str = "") -> None:
    """Each sentence of the answer beside the passage sentence that supports it, with the button that
    opens it on its page (the viewer marks that sentence), or marked as in no passage: the answer
    checked one sentence at a time, in a click."""
    claims, by_number = check.get("claims") or [], {s["n"]: s for s in sources}
    if not claims or not any(c["passage"] in by_number for c in claims):
        return
    with st.expander(_("Where each sentence comes from")):
        for i, claim in enumerate(claims):
            st.markdown(f"“{inert_text(claim['sentence'])}”")
            source = by_number.get(claim["passage"])
            if source is None:
                st.caption(f"⚠ {not_in_documents(check.get('language', 'en'))}")
                continue
            split, at = pieces(source["text"]), claim["piece"]
            support = split[at].strip() if at is not None and at < len(split) else ""
            st.caption(f"{inert_text(source_label(source))}: “{inert_text(support)}”")
            if key:
                view_button({**source, "text": support or source["text"]}, f"{key}_claim_{i}")
