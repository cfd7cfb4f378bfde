"""What the remote backends share: is a URL this machine, a URL as it may be shown, secrets from
the environment, and a cheap, cached look at a server's model list.

A server URL may carry a password (``http://user:password@host``, for a server behind basic auth).
It is used as given to connect, and shown only through ``display_url``: the picker, ``python -m core
models`` and every error message show ``http://host``, and ``without_credentials`` takes the password
out of text a client library wrote (httpx quotes the URL it was given, user info included).

The picker asks every few seconds, so a listing must never hang the page: one GET with a short
timeout, its answer remembered for ``PROBE_TTL`` seconds from when it came (a ``cachetools.TTLCache``
under a lock: the registry asks several servers from a thread pool). Nothing here runs unless the
user configured the URL.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from cachetools import TTLCache, cached

from core.llms.states import NOT_A_SERVER, REFUSED, UNREACHABLE, LLMState

PROBE_TIMEOUT = 1.5  # seconds: a server on the LAN answers in milliseconds; a dead one must not stall the page
PROBE_TTL = 5  # seconds a listing is reused
PROBE_CACHE_SIZE = 64  # (URL, headers) pairs: a user configures a handful of servers


def is_loopback(url: str) -> bool:
    """True when ``url`` names this machine, so nothing sent there leaves it. No DNS lookup:
    a name other than ``localhost`` counts as remote even if it happens to resolve here."""
    host = (_split(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split(url: str) -> SplitResult:
    """``urlsplit`` that also reads ``user:password@host:port`` without a scheme as a network location."""
    return urlsplit(url if "//" in url else f"//{url}")


def display_url(url: str) -> str:
    """``url`` without its ``user:password@`` part: the only form of a server URL that is shown."""
    try:
        parts = _split(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: nothing trustworthy to show
        return "(invalid URL)"
    if "@" not in parts.netloc:
        return url
    shown = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return shown if "//" in url else shown.removeprefix("//")


MIN_HIDDEN = 4  # a shorter password is not searched for in free text: it would blank out ordinary letters


def without_credentials(text: str, url: str) -> str:
    """``text`` (an error message from a client library) with ``url``'s user info and password taken out."""
    try:
        parts = _split(url)
    except ValueError:
        return text
    userinfo = parts.netloc.rpartition("@")[0]
    if not userinfo:
        return text
    for secret in (userinfo + "@", unquote(userinfo) + "@"):
        text = text.replace(secret, "")
    for secret in {parts.password or "", unquote(parts.password or "")}:
        if len(secret) >= MIN_HIDDEN:
            text = text.replace(secret, "***")
    return text


def env_secret(*names: str) -> str | None:
    """The first of these environment variables that is set. Secrets come only from the environment
    (the Streamlit UI copies ``st.secrets`` there); they are never written to settings or logs."""
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


@dataclass(frozen=True)
class Probe:
    """A server's JSON answer to one GET, or why there is none (a picker state and its detail)."""

    data: Any = None
    state: LLMState | None = None  # None: the server answered
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.state


_probes: TTLCache[tuple, Probe] = TTLCache(maxsize=PROBE_CACHE_SIZE, ttl=PROBE_TTL)


def probe(url: str, headers: dict[str, str] | None = None) -> Probe:
    """GET ``url`` and parse its JSON; an answer is reused for ``PROBE_TTL`` seconds.
    A detail names the URL as ``display_url`` shows it."""
    return _probe(url, tuple(sorted((headers or {}).items())))


def forget_probes() -> None:
    """Forget every remembered answer, so the next listing asks the servers again."""
    _probe.cache_clear()


@cached(_probes, lock=threading.Lock())
def _probe(url: str, headers: tuple[tuple[str, str], ...]) -> Probe:
    import httpx

    shown = display_url(url)
    try:
        response = httpx.get(url, headers=dict(headers), timeout=PROBE_TIMEOUT, follow_redirects=True)
    except httpx.TimeoutException:
        return Probe(state=UNREACHABLE, detail=f"{shown}: no answer within {PROBE_TIMEOUT:g} s")
    except httpx.HTTPError as exc:
        return Probe(state=UNREACHABLE, detail=f"{shown}: {without_credentials(str(exc), url)}")
    if response.status_code in (401, 403):
        return Probe(state=REFUSED, detail=f"{shown}: HTTP {response.status_code}; check the API key or token")
    if response.status_code >= 400:
        return Probe(state=NOT_A_SERVER, detail=f"{shown}: HTTP {response.status_code}")
    try:
        return Probe(data=response.json())
    except ValueError:
        return Probe(state=NOT_A_SERVER, detail=f"{shown}: the answer is not JSON")
