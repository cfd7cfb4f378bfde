"""Landing page: what is in the library, which model answers, and where to start."""

import streamlit as st

import core  # noqa: F401 - sets offline mode before any library is imported
from ui import nav
from ui.access import require_password
from ui.i18n import _
from ui.render import inert_text
from ui.resources import docchat, llm_options, settings

st.set_page_config(page_title="Private DocChat", page_icon="🔒", layout="wide")
require_password()
nav.sidebar()
st.title("🔒 Private DocChat")
st.write(_(
    "Ask questions about your own files. Documents, embeddings and the index stay on this machine, and "
    "so does the language model unless you choose one marked 🌐 (a server elsewhere that you configured)."
))

documents = docchat().documents()
options = {o.name: o for o in llm_options()}
chosen = st.session_state.get("llm_name", settings().llm)
left, right = st.columns(2)
left.metric(_("Documents"), len(documents))
right.metric(_("Chunks"), sum(d.chunks for d in documents))
state = options[chosen].state if chosen in options else "unknown"
# Names come from settings and from model servers: escaped, so none can become a link or an image.
st.markdown(_("Model: **{model}** ({state}); change it in the Chat page's sidebar.").format(
    model=inert_text(str(chosen)), state=inert_text(_(state))))
st.markdown(_("Search: {retriever}, embeddings **{embeddings}**.").format(
    retriever=inert_text(settings().retriever), embeddings=inert_text(settings().embedding_model)))

st.page_link("pages/2_Documents.py", label=_("Add documents"), icon="📄")
st.page_link("pages/1_Chat.py", label=_("Chat with your documents"), icon="💬")
where = "PostgreSQL (database_url)" if settings().database_url else inert_text(str(settings().data_dir))
st.caption(_("Library: {where}").format(where=where))
