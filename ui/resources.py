"""Objects shared by every browser session of this process, created once (``st.cache_resource``).

Per-session state (chat history, the chosen model) lives in ``st.session_state`` instead.
"""

from __future__ import annotations

import streamlit as st

from core.i18n import message_of
from core.llms.loaded import LoadedLLM
from core.llms.registry import LLMOption
from core.service import DocChat
from core.settings import InvalidSettings, Settings, load_settings
from ui.i18n import _, said
from ui.render import inert_text


@st.cache_resource(show_spinner=False)
def docchat() -> DocChat:
    """A bad setting stops every page with its one sentence (the error page would hide it); nothing is
    cached then, so the page works once the setting is fixed and the page reloaded."""
    try:
        loaded = load_settings()
    except InvalidSettings as error:
        st.error(_("The app cannot start: {error}. Fix it in settings.toml or the DOCCHAT_* environment, then "
                   "reload this page.").format(error=inert_text(said(message_of(error)))), icon="⚙️")
        st.stop()
    return DocChat(loaded)


def settings() -> Settings:
    return docchat().settings


def llm(name: str) -> LoadedLLM:
    """The model with this session's generation settings (``ui.model_picker``). The registry keeps
    each loaded model once per process for every session; a different temperature or answer length
    is a cheap copy, a different context size reloads an in-process model once."""
    return docchat().llm(name, **st.session_state.get("generation", {}))


@st.cache_data(ttl=5, show_spinner=False)
def llm_options() -> list[LLMOption]:
    return docchat().llm_options()
