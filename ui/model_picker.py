"""The Chat page's sidebar: which model answers, this session's generation settings, and a plain
warning before the first question when the chosen model runs on another machine.

Everything here is per browser session (``st.session_state``): the chosen name (``llm_name``) and
the generation values (``generation``, read by ``ui.resources.llm``). Changing either keeps the
conversation; the next question uses the new values. The list of models comes from
``ui.resources.llm_options`` (cached a few seconds; no runtime import, remote servers asked with a
short timeout), so drawing the sidebar never waits on a model.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import streamlit as st

from core.llms.registry import LLMOption
from core.llms.remote import display_url
from core.llms.states import LLMState
from core.settings import Settings
from ui.i18n import N_, _
from ui.render import inert_text
from ui.resources import llm_options, settings

# Secrets a remote backend reads from the environment; .streamlit/secrets.toml may hold them instead.
SECRET_NAMES = ("DOCCHAT_OPENAI_API_KEY", "OPENAI_API_KEY", "HF_TOKEN", "HUGGINGFACEHUB_API_TOKEN")
CONTEXT_SIZES = (1024, 2048, 4096, 8192, 16384, 32768)
REMOTE_MARK = "🌐"
# What each state means to a user (core/llms/states.py), and the OS error numbers left out of details
# ("[Errno 111] Connection refused" reads as "Connection refused").
STATE_SENTENCES: dict[LLMState, str] = {
    "ready": N_("ready to answer"),
    "not installed": N_("its runtime is not installed"),
    "model file missing": N_("its model file is not on this machine"),
    "unsupported": N_("this runtime cannot load this model"),
    "server not reachable": N_("the server does not answer"),
    "server refused access": N_("the server refused access"),
    "unexpected answer": N_("the server answered, but not as a model server does"),
    "no models": N_("the server offers no model"),
}
# The states by name, as the Home page and the sidebar show them (translated where shown).
STATE_NAMES = (N_("ready"), N_("not installed"), N_("model file missing"), N_("unsupported"),
               N_("server not reachable"), N_("server refused access"), N_("unexpected answer"), N_("no models"),
               N_("unknown"), N_("not listed now"))
ERRNO = re.compile(r"\[Errno -?\d+\]\s*")


def export_secrets() -> None:
    """Copy API tokens from Streamlit secrets into the environment, where ``core`` looks for them
    (a variable already set wins). Values are never shown or logged."""
    for name in SECRET_NAMES:
        if os.environ.get(name):
            continue
        try:
            value = st.secrets.get(name)
        except Exception:  # noqa: BLE001 - no secrets file at all
            return
        if value:
            os.environ[name] = str(value)


def label(option: LLMOption) -> str:
    """The model first, its runtime after it: a narrow sidebar cuts the end of a long name, and
    "llama.cpp:qwen2.5-coder-1.5b-i…" said the least useful part first."""
    shown = f"{option.model} · {option.runtime}"
    return f"{shown} {REMOTE_MARK}" if option.leaves_machine else shown


def host(option: LLMOption) -> str:
    """Where a remote model runs, as shown: never the URL's ``user:password@``."""
    shown = display_url(option.url or "")
    return urlsplit(shown).netloc or shown


def render_generation(defaults: Settings) -> None:
    """Temperature, answer length and context size for this session; ``persist_state`` keeps them
    when the user visits another page and comes back."""
    with st.expander(_("Generation settings")):
        temperature = st.slider(_("Temperature"), 0.0, max(1.5, defaults.temperature),
                                value=float(defaults.temperature), step=0.05, key="gen_temperature",
                                persist_state="session",
                                help=_("0 always picks the most likely word; higher gives more varied answers."))
        max_tokens = st.number_input(_("Longest answer (tokens)"), min_value=1,
                                     max_value=max(8192, defaults.max_tokens), value=int(defaults.max_tokens),
                                     step=16, key="gen_max_tokens", persist_state="session")
        sizes = sorted({*CONTEXT_SIZES, int(defaults.context_size)})
        context_size = st.select_slider(_("Context size (tokens)"), options=sizes, value=int(defaults.context_size),
                                        key="gen_context_size", persist_state="session",
                                        help=_("Passages, question and answer must fit. A new size reloads an "
                                               "in-process model once."))
    st.session_state.generation = {"temperature": float(temperature), "max_tokens": int(max_tokens),
                                   "context_size": int(context_size)}


def render() -> None:
    """The model block of the Chat sidebar (call inside ``with st.sidebar:``)."""
    export_secrets()
    st.header(_("Model"))
    options = llm_options()
    by_name = {o.name: o for o in options}
    ready = [o.name for o in options if o.ready]
    wanted = st.session_state.get("llm_name")
    if wanted not in ready:
        st.session_state.llm_name = ready[0] if ready else None
        if wanted and ready:
            state = by_name[wanted].state if wanted in by_name else "not listed now"
            st.caption(_("{model} is {state}; answering with {instead}.").format(
                model=inert_text(wanted), state=inert_text(_(state)), instead=inert_text(ready[0])))
    st.selectbox(_("Answer with"), ready, key="llm_name", format_func=lambda name: label(by_name[name]),
                 placeholder=_("No model available"),
                 help=_("Used from the next question on; the conversation is kept. {mark} runs on another "
                        "machine.").format(mark=REMOTE_MARK))
    chosen = by_name.get(st.session_state.llm_name or "")
    if chosen is not None and chosen.leaves_machine:
        st.warning(_("**{model}** runs on **{host}**, not on this machine: your questions and the passages found "
                     "in your documents will be sent there.").format(model=inert_text(chosen.name),
                                                                      host=inert_text(host(chosen))),
                   icon=REMOTE_MARK)
    elif any(o.leaves_machine for o in options):
        st.caption(_("Models marked {mark} run on another machine: choosing one sends your questions and the "
                     "passages found in your documents there. The chosen model runs here.").format(mark=REMOTE_MARK))
    render_generation(settings())
    with st.expander(_("All models")):
        for o in options:
            where = f" → {display_url(o.url)}" if o.url and display_url(o.url) not in o.detail else ""
            detail = f" ({ERRNO.sub('', o.detail)})" if o.detail else ""
            st.caption(f"{'🟢' if o.ready else '⚪'} {inert_text(label(o))} — "
                       f"{inert_text(_(STATE_SENTENCES[o.state]) + detail + where)}")
