"""A bad setting stops the app at its first page with one sentence that names it (Streamlit's own error
page shows no details: .streamlit/config.toml sets showErrorDetails = "none")."""

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_home_names_the_bad_setting_and_stops(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("DOCCHAT_SETTINGS", str(tmp_path / "no-settings.toml"))
    monkeypatch.setenv("DOCCHAT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DOCCHAT_FUSION", "foo")
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=60).run()
    finally:
        st.cache_resource.clear()
    assert not at.exception
    [error] = at.error
    assert "fusion" in error.value and "DOCCHAT\\_FUSION" in error.value and "'convex' or 'rrf'" in error.value
    assert not at.metric  # the page stopped before reading the library
