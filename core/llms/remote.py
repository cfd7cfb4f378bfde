"""What the remote backends share: is a URL this machine, secrets from the environment, and a
cheap, cached look at a server's model list.

The picker asks every few seconds, so a listing must never hang the page: one GET with a short
timeout, its answer remembered for up to ``PROBE_TTL`` seconds (``lru_cache`` keyed by a time bucket).
Nothing here runs unless the user configured the URL.
"""

from __future__ import annotations

import ipaddress
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

PROBE_TIMEOUT = 1.5  # seconds: a server on the LAN answers in milliseconds; a dead one must not stall the page
PROBE_TTL = 5  # seconds a listing is reused
UNREACHABLE = "server not reachable"
REFUSED = "server refused access"
NOT_A_SERVER = "unexpected answer"


def is_loopback(url: str) -> bool:
    """True when ``url`` names this machine, so nothing sent there leaves it. No DNS lookup:
    a name other than ``localhost`` counts as remote even if it happens to resolve here."""
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    state: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.state


def probe(url: str, headers: dict[str, str] | None = None) -> Probe:
    """GET ``url`` and parse its JSON; an answer is reused for at most ``PROBE_TTL`` seconds."""
    return _probe(url, tuple(sorted((headers or {}).items())), int(time.monotonic() // PROBE_TTL))


@lru_cache(maxsize=64)
def _probe(url: str, headers: tuple[tuple[str, str], ...], _bucket: int) -> Probe:
    import httpx

    try:
        response = httpx.get(url, headers=dict(headers), timeout=PROBE_TIMEOUT, follow_redirects=True)
    except httpx.TimeoutException:
        return Probe(state=UNREACHABLE, detail=f"{url}: no answer within {PROBE_TIMEOUT:g} s")
    except httpx.HTTPError as exc:
        return Probe(state=UNREACHABLE, detail=f"{url}: {exc}")
    if response.status_code in (401, 403):
        return Probe(state=REFUSED, detail=f"{url}: HTTP {response.status_code}; check the API key or token")
    if response.status_code >= 400:
        return Probe(state=NOT_A_SERVER, detail=f"{url}: HTTP {response.status_code}")
    try:
        return Probe(data=response.json())
    except ValueError:
        return Probe(state=NOT_A_SERVER, detail=f"{url}: the answer is not JSON")
