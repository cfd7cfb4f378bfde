"""An optional password gate for a shared machine: every page asks for it once per browser session.
It is a lock on the door, not an account system: anyone with the password sees the whole library.

Where the password lives, in ``.streamlit/secrets.toml`` (git-ignored)::

    [access]
    password = "..."

The older root-level ``password = "..."`` still works. Streamlit copies every root-level string
secret into ``os.environ``, so every child process (OCR, a model server) would inherit it: the gate
takes it out again each time it reads it, and right after Streamlit reloads a changed file.

The gate fails closed. Only "no secrets file at all" means no gate; a file that exists but cannot be
read (a TOML typo) stops every page with one message, because falling back to "no password" would
open the library to anyone.

Wrong guesses are limited per browser session and over the whole process (a new session costs an
attacker nothing): after ``SESSION_FREE`` / ``OVERALL_FREE`` of them, each further wrong guess locks
the form for a delay that starts at ``FIRST_DELAY`` and doubles up to ``MAX_DELAY``. While locked,
a guess is not even compared. A quiet ``FORGET_AFTER`` clears the count.
"""

from __future__ import annotations

import hmac
import logging
import math
import os
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import streamlit as st
from streamlit import config

from ui.i18n import _, ngettext

SESSION_FREE = 5  # wrong guesses one browser session gets before the delays start
OVERALL_FREE = 20  # wrong guesses all sessions together get (users on one machine share this)
FIRST_DELAY = 2.0  # seconds locked after the first guess over the limit; doubles with each further one
MAX_DELAY = 300.0  # so an attacker gets at most ~12 guesses an hour, and a locked-out user waits 5 minutes at most
FORGET_AFTER = 3600.0  # seconds without a wrong guess after which the count starts again
ROOT_KEY = "password"  # the older layout; Streamlit exports it to os.environ

_LOGGER = logging.getLogger(__name__)


def _now() -> float:
    return time.monotonic()


@dataclass
class Guesses:
    """Wrong guesses in one scope (a session, or the whole process) and until when the form is locked."""

    free: int
    wrong: int = 0
    last_wrong: float = -math.inf
    locked_until: float = -math.inf

    def wait(self, now: float) -> float:
        return max(0.0, self.locked_until - now)

    def record_wrong(self, now: float) -> None:
        if now - self.last_wrong > FORGET_AFTER:
            self.wrong = 0
        self.wrong += 1
        self.last_wrong = now
        if self.wrong >= self.free:
            self.locked_until = now + min(MAX_DELAY, FIRST_DELAY * 2 ** (self.wrong - self.free))


@st.cache_resource(show_spinner=False)
def _overall() -> tuple[Guesses, threading.Lock]:
    """Every session's wrong guesses together, once per process, with the lock that orders them."""
    return Guesses(OVERALL_FREE), threading.Lock()


def _session() -> Guesses:
    if "access_guesses" not in st.session_state:
        st.session_state.access_guesses = Guesses(SESSION_FREE)
    return st.session_state.access_guesses


def check(given: str, expected: str) -> str | None:
    """None when ``given`` is the password; otherwise what to tell the user."""
    now, mine, (overall, lock) = _now(), _session(), _overall()
    with lock:  # one guess at a time across sessions, so parallel sessions cannot overtake the count
        wait = max(mine.wait(now), overall.wait(now))
        if wait > 0:
            return ngettext("Too many wrong passwords. Try again in {n} second.",
                            "Too many wrong passwords. Try again in {n} seconds.", math.ceil(wait))
        if hmac.compare_digest(given.encode(), expected.encode()):
            return None
        mine.record_wrong(now)
        overall.record_wrong(now)
        wait = max(mine.wait(now), overall.wait(now))
    return _("Wrong password.") + (ngettext(" Too many wrong passwords: try again in {n} second.",
                                            " Too many wrong passwords: try again in {n} seconds.", math.ceil(wait))
                                   if wait else "")


def _shown(path: str) -> str:
    """A secrets path as the message shows it: relative to the app folder, or from ``~``."""
    resolved = Path(path).expanduser().resolve()
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        if resolved.is_relative_to(base):
            return prefix + str(resolved.relative_to(base))
    return resolved.name


def _stop_locked(exc: Exception) -> NoReturn:
    """The one message a broken secrets file gets (the TOML error's position, never the file's content)."""
    _LOGGER.error("The secrets file cannot be read, so every page stays locked: %s", exc)
    cause = exc.__cause__ if isinstance(exc.__cause__, tomllib.TOMLDecodeError) else None
    files = ", ".join(_shown(p) for p in config.get_option("secrets.files") if Path(p).exists())
    reason = str(cause) if cause else _("details in the server's log")
    st.error(_("🔒 The app is locked: the secrets file `{files}` cannot be read ({reason}). Fix or remove it, then "
               "reload this page.").format(files=files, reason=reason))
    st.stop()


def _scrub_environment(*_: Any, **__: Any) -> None:
    """Take the root-level password back out of ``os.environ`` (Streamlit put it there on loading)."""
    try:
        value = st.secrets.get(ROOT_KEY)
    except Exception:  # noqa: BLE001 - no readable file: nothing was exported
        return
    if isinstance(value, str | int | float) and os.environ.get(ROOT_KEY) == str(value):
        os.environ.pop(ROOT_KEY, None)


def configured_password() -> str | None:
    """The password, or None when there is no secrets file or it sets none. A secrets file that
    exists but cannot be read stops the page here."""
    try:
        secrets = st.secrets.to_dict()
    except Exception as exc:  # noqa: BLE001 - Streamlit raises the same error for "missing" and "broken"
        if not any(Path(p).exists() for p in config.get_option("secrets.files")):
            return None
        _stop_locked(exc)
    st.secrets.file_change_listener.connect(_scrub_environment, weak=False)  # once: connect() is idempotent
    _scrub_environment()
    access = secrets.get("access")
    value = access.get("password") if isinstance(access, dict) else None
    value = value or secrets.get(ROOT_KEY)
    return str(value) if value else None


def require_password() -> None:
    """Stop the page until this session has given the password (no-op when none is set)."""
    expected = configured_password()
    if expected is None or st.session_state.get("unlocked"):
        return
    st.title("🔒 Private DocChat")
    with st.form("unlock"):
        given = st.text_input(_("Password"), type="password")
        if st.form_submit_button(_("Unlock"), type="primary"):
            problem = check(given, expected)
            if problem is None:
                st.session_state.unlocked = True
                st.rerun()
            st.error(problem)
    st.stop()
