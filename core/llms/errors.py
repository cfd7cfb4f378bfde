"""Why a model cannot answer, in words the chat page can show as they are.

Each client library raises its own exceptions (httpx, openai, ollama, huggingface_hub), and their
messages range from clear to a bare "Connection refused". A remote backend passes whatever it
raises through ``explain``, which names the model, the server (never its password: ``display_url``)
and the likely fix. Exception classes
are looked up in ``sys.modules`` only: a library that was never imported cannot have raised, and
importing it here would make every check slow.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from core.i18n import say
from core.llms.remote import display_url, without_credentials

TIMEOUTS = ("httpx.TimeoutException", "openai.APITimeoutError", "huggingface_hub.errors.InferenceTimeoutError",
            "requests.exceptions.Timeout", "builtins.TimeoutError")
UNREACHABLE = ("httpx.ConnectError", "httpx.RemoteProtocolError", "openai.APIConnectionError",
               "requests.exceptions.ConnectionError", "builtins.ConnectionError")
MALFORMED = ("pydantic.ValidationError", "builtins.KeyError", "builtins.ValueError")  # JSONDecodeError is a ValueError


class LLMUnavailable(Exception):
    """The chosen model cannot be used now; the message says why and what to do."""


def _classes(names: tuple[str, ...]) -> tuple[type, ...]:
    found = []
    for dotted in names:
        module, _, name = dotted.rpartition(".")
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type):
            found.append(cls)
    return tuple(found)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and its causes: clients often wrap the httpx error that says what happened."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _status(exc: BaseException) -> int | None:
    for item in _chain(exc):
        code = getattr(item, "status_code", None)
        if code is None:
            code = getattr(getattr(item, "response", None), "status_code", None)
        if isinstance(code, int) and code > 0:
            return code
    return None


def _reason(exc: BaseException, url: str, limit: int = 300) -> str:
    """The client's own words, with ``url``'s password taken out before they are cut to ``limit``."""
    text = without_credentials(str(exc).strip(), url) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "…"


def explain(exc: BaseException, name: str, url: str, timeout: float) -> LLMUnavailable:
    """A clear ``LLMUnavailable`` for whatever a remote client raised while asking ``url`` (the URL as
    configured; the message shows it without user info)."""
    if isinstance(exc, LLMUnavailable):
        return exc
    shown, reason = display_url(url), _reason(exc, url)
    chain = list(_chain(exc))
    if any(isinstance(e, _classes(TIMEOUTS)) for e in chain):
        return LLMUnavailable(say("{name}: no answer from {url} within {timeout:g} s (timed out); the server may be "
                                  "busy or the model still loading", name=name, url=shown, timeout=timeout))
    status = _status(exc)
    if status == 404:
        return LLMUnavailable(say("{name}: {url} answered 404 not found ({reason}); is the model name right and the "
                                  "model pulled or loaded on that server?", name=name, url=shown, reason=reason))
    if status in (401, 403):
        return LLMUnavailable(say("{name}: {url} refused access (HTTP {status}); check the API key or token",
                                  name=name, url=shown, status=status))
    if status is not None:
        return LLMUnavailable(say("{name}: {url} answered HTTP {status}: {reason}", name=name, url=shown,
                                  status=status, reason=reason))
    if any(isinstance(e, _classes(UNREACHABLE)) for e in chain):
        return LLMUnavailable(say("{name}: server not reachable ({url}): {reason}", name=name, url=shown,
                                  reason=reason))
    if any(isinstance(e, _classes(MALFORMED)) for e in chain):
        return LLMUnavailable(say("{name}: {url} sent a reply this app cannot read (not the expected stream format): "
                                  "{reason}", name=name, url=shown, reason=reason))
    return LLMUnavailable(say("{name} at {url} failed: {error}: {reason}", name=name, url=shown,
                              error=type(exc).__name__, reason=reason))
