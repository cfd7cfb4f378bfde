"""Objects shared by every browser session of this process, created once (``st.cache_resource``).

Per-session state (chat history, the chosen model) lives in ``st.session_state`` instead.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.llms.loaded import LoadedLLM
from core.llms.registry import LLMOption, available_llms, load_llm
from core.service import DocChat
from core.settings import Settings, load_settings


@st.cache_resource(show_spinner=False)
def docchat() -> DocChat:
    return DocChat(load_settings())


def settings() -> Settings:
    return docchat().settings


def llm(name: str) -> LoadedLLM:
    """The model with this session's generation settings (``ui.model_picker``). The registry keeps
    each loaded model once per process for every session; a different temperature or answer length
    is a cheap copy, a different context size reloads an in-process model once."""
    return load_llm(name, replace(settings(), **st.session_state.get("generation", {})))


@st.cache_data(ttl=5, show_spinner=False)
def llm_options() -> list[LLMOption]:
    return available_llms(settings())
