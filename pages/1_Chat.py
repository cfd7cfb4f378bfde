"""Chat: ask the library; the answer streams from the local model with its sources."""

from collections.abc import Iterator
from functools import partial
from itertools import chain

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import core  # noqa: F401 - sets offline mode before any library is imported
from core.chat.engine import Turn
from core.i18n import message_of
from core.llms.registry import LLMUnavailable
from core.store.scope import Scope
from ui import conversations, examples, indexing, model_picker, nav, page_viewer, scope
from ui.access import require_password
from ui.answer import finished, render_extras
from ui.i18n import _, ngettext, said
from ui.progress import ModelProgress, reading, searching, wait_for
from ui.render import inert_markdown, inert_text
from ui.resources import docchat, llm, settings
from ui.sources import render_sources, source_dicts

st.set_page_config(page_title=_("Chat · Private DocChat"), page_icon="💬", layout="wide")
require_password()


def stream_answer(tokens: Iterator[str], slot: DeltaGenerator) -> str:
    """Write the answer into ``slot`` as it grows (replacing what the model was doing), every partial
    render as inert as the last (a document can tell the model to answer with a tracking image).
    Returns the whole answer."""
    text = ""
    for token in tokens:
        text += token
        slot.markdown(inert_markdown(text))
    if not text:
        slot.empty()  # an empty answer must not leave "Reading 3 passages…" behind
    return text


conversations.open_from_url()
if "llm_name" not in st.session_state:
    st.session_state.llm_name = settings().llm

nav.sidebar()
with st.sidebar:
    conversations.sidebar()
    model_picker.render()

st.title(_("💬 Chat with your documents"))
pending = indexing.start()
app = docchat()
if not app.has_documents():
    st.info(_("Your library is empty: add files first."))
    st.page_link("pages/2_Documents.py", label=_("Go to Documents"), icon="📄")
    st.stop()
indexing.chat_note(pending)

if built_with := app.needs_reindex():
    st.warning(_("The library was indexed with **{built_with}**, the settings now choose **{model}**: re-index it "
                 "on the Documents page first.").format(built_with=inert_text(built_with),
                                                         model=inert_text(settings().embedding_model)),
               icon="🔁")
    st.page_link("pages/2_Documents.py", label=_("Go to Documents"), icon="📄")
    st.stop()

about = st.session_state.get("scope")  # a chat about some documents only (ui/scope.py)
scope.header(about, conversations.start)
with st.sidebar:
    names = app.collections()
    if "collections" in st.session_state:  # a collection emptied meanwhile is no longer offered
        st.session_state.collections = [c for c in st.session_state.collections if c in names]
    if names and about is None:
        st.multiselect(_("Answer from collections"), names, key="collections", placeholder=_("all documents"),
                       help=_("Leave empty to search the whole library."))
chosen_collections = st.session_state.get("collections") or None if about is None else None

if st.session_state.llm_name is None:
    st.error(_("No language model is available: run `scripts/setup.sh` (see *All models* in the sidebar)."))
    st.stop()
app.warm_up(st.session_state.llm_name)

if not st.session_state.messages:  # a new chat: say what there is to ask about
    held = app.documents_in(about or Scope.of(collections=chosen_collections))
    shown = ", ".join(inert_text(d.name) for d in held[:5])
    shown += _(" and {more} more").format(more=len(held) - 5) if len(held) > 5 else ""
    ask = (ngettext("Ask about the {n} document in these collections: {shown}.",
                    "Ask about the {n} documents in these collections: {shown}.", len(held), shown=shown)
           if chosen_collections
           else ngettext("Ask about the {n} document in this chat: {shown}.",
                         "Ask about the {n} documents in this chat: {shown}.", len(held), shown=shown) if about
           else ngettext("Ask about the {n} document in your library: {shown}.",
                         "Ask about the {n} documents in your library: {shown}.", len(held), shown=shown))
    st.caption(ask + _(" Questions in any language; each answer cites its passages, and a PDF passage opens on "
                       "its page."))
    examples.render(app, held)
for number, message in enumerate(st.session_state.messages):
    with st.chat_message(message["role"]):
        st.markdown(inert_markdown(message["content"]))
        render_extras(message, f"m{number}")
        conversations.feedback(message)
page_viewer.show_if_asked()

# The browser stops typing at the limit and Streamlit cuts a longer message to it; the engine
# refuses anything longer that reaches it another way.
typed = st.chat_input(_("Ask a question about your documents"), max_chars=settings().max_question_chars)
if question := typed or st.session_state.pop(examples.ASKED, None):
    if st.session_state.messages and st.session_state.messages[-1]["role"] == "user":
        # The previous answer was cut off by this new question (Streamlit stops the running script). The
        # question is the reader's own words: kept in the library with the note, as a finished turn is.
        stopped = {"role": "assistant", "content": _("*(stopped before it finished)*")}
        st.session_state.messages.append(stopped)
        conversations.save(st.session_state.messages[-2]["content"], stopped)
    history = [Turn(m["role"], m["content"]) for m in st.session_state.messages]
    st.session_state.messages.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(inert_markdown(question))
    with st.chat_message("assistant"):
        sources: list[dict] = []
        found, answered = True, False
        status = st.status(_("Searching your documents…"))  # running (no tick) until the answer is complete
        try:
            model = llm(st.session_state.llm_name)
            engine = app.engine(model, chosen_collections, scope=about)
            progress = ModelProgress(model.lock)
            answer = wait_for(partial(engine.answer, question, history),
                              lambda worker: status.update(label=progress.line(worker, searching)))
            if answer.standalone != question:
                status.markdown(_("Searched for: *{query}*").format(query=inert_text(answer.standalone)))
            if answer.translation:
                status.markdown(_("Also searched in English: *{query}*").format(query=inert_text(answer.translation)))
            found = answer.found
            label = (ngettext("Found {n} passage", "Found {n} passages", len(answer.sources)) if found
                     else _("Nothing in your documents is close to this question"))
            status.update(label=_("{label}: answering…").format(label=label) if found else label)
            sources = source_dicts(answer.sources)
            body = st.empty()
            sources_slot = st.empty()
            with sources_slot.container():
                render_sources(sources, found=found)
            tokens = answer.tokens
            if found:  # until the first token: the place in the queue, then "Reading 3 passages… 4 s"
                doing = reading(len(answer.sources))
                first = wait_for(lambda: next(tokens, ""), lambda worker: body.caption(progress.line(worker, doing)),
                                 discard=getattr(tokens, "close", None))
                tokens = chain([first], tokens)
            text = stream_answer(tokens, body)
            status.update(label=_("{label}: checking the answer against them…").format(label=label) if found else label)
            message = finished(engine.verdict(answer, text), answer.language, sources, found)
            if not message["found"] and (waiting := app.pending()):  # searched by their words only
                message["indexing"] = len(waiting)
            if message["content"] != text:  # citations added, unsupported sentences marked, or refused
                body.markdown(inert_markdown(message["content"]))
            if not message["found"] and found:
                label = _("The passages found do not support the model's answer")
            with sources_slot.container():  # again, now with the supporting passages marked
                render_extras(message, f"m{len(st.session_state.messages)}")
            status.update(label=label, state="complete")
            if answer.standalone != question:  # shown with the answer when it is shown again, and what eval asks
                message["searched"] = answer.standalone
            if answer.translation:
                message["translated"] = answer.translation
            answered = True
        except LLMUnavailable as exc:
            status.update(state="error")
            st.error(_("The model is not available: {error}").format(error=inert_text(said(message_of(exc)))))
            st.session_state.messages.pop()
            st.stop()
        except Exception as exc:  # noqa: BLE001 - a failed answer must not lose the conversation
            status.update(state="error")
            error = inert_text(said(message_of(exc)))  # core's own words said in Korean too; others as raised
            st.error(_("The model failed to answer: {error}").format(error=error))
            text = _("*(the model failed to answer: {error})*").format(error=error)
            message = {"role": "assistant", "content": text, "sources": sources, "found": found}
        st.session_state.messages.append(message)
    if answered:  # kept in the library; a failed or interrupted answer is not
        conversations.save(question, message)
        # Drawn again as every earlier answer is: the next question's run then redraws the same
        # elements in the same places, and no stale, greyed copy of this answer's parts (its status,
        # its sources drawn twice) stays on screen while the model works on the next one.
        st.rerun()
