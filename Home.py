"""Landing page: what is in the library, which model answers, and where to start."""

import streamlit as st

import core  # noqa: F401 - sets offline mode before any library is imported
from ui.access import require_password
from ui.render import inert_text
from ui.resources import docchat, llm_options, settings

st.set_page_config(page_title="Private DocChat", page_icon="🔒", layout="wide")
require_password()
st.title("🔒 Private DocChat")
st.write(
    "Ask questions about your own files. Documents, embeddings and the index stay on this machine, and "
    "so does the language model unless you choose one marked 🌐 (a server elsewhere that you configured)."
)

documents = docchat().documents()
options = {o.name: o for o in llm_options()}
chosen = st.session_state.get("llm_name", settings().llm)
left, right = st.columns(2)
left.metric("Documents", len(documents))
right.metric("Chunks", sum(d.chunks for d in documents))
state = options[chosen].state if chosen in options else "unknown"
# Names come from settings and from model servers: escaped, so none can become a link or an image.
st.markdown(f"Model: **{inert_text(str(chosen))}** ({inert_text(state)}); change it in the Chat page's "
            "sidebar.")
st.markdown(f"Search: {inert_text(settings().retriever)}, embeddings "
            f"**{inert_text(settings().embedding_model)}**.")

st.page_link("pages/2_Documents.py", label="Add documents", icon="📄")
st.page_link("pages/1_Chat.py", label="Chat with your documents", icon="💬")
where = "PostgreSQL (database_url)" if settings().database_url else inert_text(str(settings().data_dir))
st.caption(f"Library: {where}")
