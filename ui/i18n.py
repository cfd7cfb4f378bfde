"""The interface in Korean or English: every sentence the pages show goes through ``_`` (or ``ngettext``
for counted nouns), looked up in the gettext catalogs of ``locales/<lang>/LC_MESSAGES/messages.po``.

The msgids are the English sentences themselves, so the English interface reads exactly as written in
the code. The catalogs are read with babel and compiled in memory once per process
(``core.i18n.translations``, shared with core's own messages): no compiled ``.mo`` file is kept in the
repository. The language is, in order,
the URL's ``?lang=``, this session's choice in the sidebar switch, then the browser's (``st.context.locale``).
Outside a Streamlit run (tests, the CLI importing a helper) the text stays English.

``N_`` marks a sentence kept in a module constant: extracted with the others, translated where it is shown.
Core's messages (``core.i18n.say``) are said in this run's language by ``said``; model output and
document names are never translated.
"""

from __future__ import annotations

from datetime import datetime
from gettext import NullTranslations

import streamlit as st
from babel.dates import format_datetime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import i18n as core_i18n
from core.i18n import in_language
from core.text import local_time

LANGUAGES = {"ko": "한국어", "en": "English"}  # each named in itself, as a switch should
DEFAULT = "en"
KEY = "lang"  # the session's choice and the URL parameter
SWITCH = "lang_switch"  # the sidebar widget's key; its value is copied to KEY


def language() -> str:
    """The language this run shows: the URL's, else the session's, else the browser's, else English."""
    if get_script_run_ctx() is None:
        return DEFAULT
    asked = st.query_params.get(KEY)
    if asked in LANGUAGES:
        st.session_state[KEY] = asked  # kept when a link to another page drops the URL's parameters
        return asked
    chosen = st.session_state.get(KEY)
    if chosen in LANGUAGES:
        return chosen
    browser = (st.context.locale or "").replace("_", "-").split("-")[0].lower()
    return browser if browser in LANGUAGES else DEFAULT


def translations(language: str) -> NullTranslations:
    """core's compiled catalog, looked up on each call rather than bound at import: a test that swaps
    core's catalogs (tests/i18n_helpers.py) while this module is first imported must not leave the pages
    reading its tiny catalog for the rest of the run."""
    return core_i18n.translations(language)


def _(message: str) -> str:
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, count: int, **values: object) -> str:
    """The form for ``count`` with ``{n}`` and ``values`` filled in (Korean has one form, English two)."""
    return translations(language()).ngettext(singular, plural, count).format(n=count, **values)


def said(text: str) -> str:
    """A message from core (``core.i18n.say``: an upload's result, a refusal, a progress line) in this
    run's language. A note read back from the library (the Documents page's status) is plain English
    text, as the database keeps it: it is looked up whole, so only a note without numbers in it is
    translated. Every note ingest stores today counts pages ("2 pages read with OCR"), so those stay
    English there; the upload's own result, a Text, says the same note in the reader's language."""
    return in_language(text, language())


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "extract, translate later"
    return message


def when(iso: str, lang: str | None = None) -> str:
    """A stored UTC timestamp as local time to the minute: ``2025-01-03 14:05`` in English (as before),
    ``2025. 1. 3. 오후 2:05`` in Korean. ``lang``: the run's language, when the caller already knows it
    (a table of 10,000 dates would otherwise ask Streamlit for it 10,000 times)."""
    lang = lang or language()
    if lang == "en":
        return local_time(iso)
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return format_datetime(moment, "y. M. d. a h:mm", locale=lang)


def _chosen() -> None:
    st.session_state[KEY] = st.session_state[SWITCH]
    st.query_params[KEY] = st.session_state[SWITCH]


def switch() -> None:
    """한국어 / English in the sidebar (call inside ``with st.sidebar:``); remembered for the session and
    put in the URL, so a reload or a shared link keeps it."""
    st.session_state[SWITCH] = language()
    st.radio("Language · 언어", list(LANGUAGES), key=SWITCH, format_func=LANGUAGES.__getitem__, horizontal=True,
             on_change=_chosen, label_visibility="collapsed")
