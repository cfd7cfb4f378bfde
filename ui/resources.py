"""Objects shared by every browser session of this process, created once (``st.cache_resource``).

Per-session state (chat history, the chosen model) lives in ``st.session_state`` instead.
"""

from __future__ import annotations

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


@st.cache_resource(show_spinner=False, max_entries=4)
def llm(name: str) -> LoadedLLM:
    return load_llm(name, settings())


@st.cache_data(ttl=5, show_spinner=False)
def llm_options() -> list[LLMOption]:
    return available_llms(settings())
