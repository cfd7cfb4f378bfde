"""The password gate (ui/access.py) in a headless page (Streamlit AppTest): it fails closed on a
broken secrets file, limits wrong guesses per session and over all sessions, and keeps the password
out of the environment that child processes inherit."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config
from streamlit.runtime.secrets import Secrets
from streamlit.testing.v1 import AppTest

from ui import access

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "open sesame 42"


def gated_page() -> None:
    import streamlit as st

    from ui.access import require_password

    require_password()
    st.write("inside the library")


@pytest.fixture
def secrets_file(tmp_path, monkeypatch) -> Iterator[Path]:
    """Streamlit's real secrets loader, reading one file in ``tmp_path`` (written by each test)."""
    path = tmp_path / "secrets.toml"
    before = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(path)])
    monkeypatch.setattr(Secrets, "_maybe_install_file_watchers", lambda self: None)  # no polling thread per test
    monkeypatch.setattr(st, "secrets", Secrets())
    monkeypatch.delenv("password", raising=False)
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()
    config.set_option("secrets.files", before)
    os.environ.pop("password", None)


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(access, "_now", lambda: now[0])
    return now


def page() -> AppTest:
    return AppTest.from_function(gated_page, default_timeout=10).run()


def inside(at: AppTest) -> bool:
    return any("inside the library" in m.value for m in at.markdown)


def guess(at: AppTest, password: str) -> str:
    """Submit ``password``; what the page says (its error), or "" when it let us in."""
    at.text_input[0].set_value(password)
    at.button[0].click().run()
    assert not at.exception
    return " ".join(e.value for e in at.error)


def test_no_secrets_file_means_no_gate(secrets_file):
    assert inside(page())


def test_a_broken_secrets_file_stops_every_page_with_one_message(secrets_file):
    secrets_file.write_text(f'password = "{PASSWORD}\n')  # unclosed string
    at = page()
    assert not at.exception and not inside(at) and not at.text_input
    [message] = at.error
    assert "locked" in message.value and "secrets.toml" in message.value and "line 1" in message.value
    assert PASSWORD not in message.value


@pytest.mark.parametrize("layout", [f'password = "{PASSWORD}"', f'[access]\npassword = "{PASSWORD}"'])
def test_the_password_opens_the_gate_and_stays_out_of_the_environment(secrets_file, layout):
    secrets_file.write_text(f'HF_TOKEN = "hf_kept"\n{layout}\n')
    at = page()
    assert not inside(at) and at.text_input[0].label == "Password"
    assert "password" not in os.environ  # child processes (OCR, model servers) inherit os.environ
    assert os.environ.get("HF_TOKEN") == "hf_kept"  # other root-level secrets still reach the backends
    assert guess(at, PASSWORD) == "" and inside(at)
    assert "password" not in os.environ


def test_a_reloaded_secrets_file_does_not_put_the_password_back(secrets_file):
    secrets_file.write_text(f'password = "{PASSWORD}"\n')
    page()
    secrets_file.write_text(f'password = "{PASSWORD}!"\n')
    st.secrets._on_secrets_changed(str(secrets_file))  # what Streamlit's file watcher calls
    assert "password" not in os.environ


def test_wrong_guesses_in_one_session_lock_it_for_doubling_delays(secrets_file, clock):
    secrets_file.write_text(f'[access]\npassword = "{PASSWORD}"\n')
    at = page()
    for _ in range(access.SESSION_FREE - 1):
        assert guess(at, "wrong") == "Wrong password."
    assert "try again in 2 seconds" in guess(at, "wrong")
    assert "Try again in 2 seconds" in guess(at, PASSWORD) and not inside(at)  # not even compared while locked
    clock[0] += 2
    assert "try again in 4 seconds" in guess(at, "wrong")
    clock[0] += 4
    assert guess(at, PASSWORD) == "" and inside(at)


def test_wrong_guesses_over_all_sessions_lock_every_session(secrets_file, clock, monkeypatch):
    # Two sessions' worth instead of the shipped 20 (five sessions): the same rule in half the page runs
    monkeypatch.setattr(access, "OVERALL_FREE", 2 * (access.SESSION_FREE - 1))
    secrets_file.write_text(f'[access]\npassword = "{PASSWORD}"\n')
    for _ in range(access.OVERALL_FREE // (access.SESSION_FREE - 1)):
        at = page()  # a new browser session each time: the per-session count starts again
        for _ in range(access.SESSION_FREE - 1):
            guess(at, "wrong")
    newcomer = page()
    assert "Try again in" in guess(newcomer, PASSWORD) and not inside(newcomer)
    clock[0] += access.FIRST_DELAY
    assert guess(newcomer, PASSWORD) == "" and inside(newcomer)
