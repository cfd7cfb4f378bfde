"""An optional password gate for a shared machine: set ``password`` in ``.streamlit/secrets.toml``
(git-ignored) and every page asks for it once per browser session. It is a lock on the door,
not an account system: anyone with the password sees the whole library."""

from __future__ import annotations

import hmac

import streamlit as st


def _configured_password() -> str | None:
    try:
        value = st.secrets.get("password")
    except Exception:  # noqa: BLE001 - no secrets file at all: no gate
        return None
    return str(value) if value else None


def require_password() -> None:
    """Stop the page until this session has given the password (no-op when none is set)."""
    expected = _configured_password()
    if expected is None or st.session_state.get("unlocked"):
        return
    st.title("🔒 Private DocChat")
    with st.form("unlock"):
        given = st.text_input("Password", type="password")
        if st.form_submit_button("Unlock", type="primary"):
            if hmac.compare_digest(given.encode(), expected.encode()):
                st.session_state.unlocked = True
                st.rerun()
            st.error("Wrong password.")
    st.stop()
