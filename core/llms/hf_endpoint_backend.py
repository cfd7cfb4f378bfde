"""A Hugging Face text-generation endpoint (``hf_endpoint_url``): a TGI server or a Hugging Face
Inference Endpoint running TGI, through LangChain's ``HuggingFaceEndpoint``.

This speaks TGI's text-generation API (``POST /`` with ``stream``, i.e. ``/generate`` and
``/generate_stream``), which takes one prompt string: the messages are rendered as plain
"User:/Assistant:" text, because the server's chat template is not known here. For a chat model
behind TGI ≥ 1.4 the OpenAI-compatible backend on ``<url>/v1`` lets the server apply its own
template instead. One URL serves one model, so the name is ``hf-endpoint:<host:port>`` and the
model id from ``GET /info`` is shown beside it.

The token (``$HF_TOKEN`` or ``$HUGGINGFACEHUB_API_TOKEN``) is sent only to Hugging Face's own
hosts, never to a server elsewhere that happens to be configured.

``core`` puts huggingface_hub in offline mode, and its HTTP client then refuses every request,
the configured endpoint's too. ``allow_endpoint`` lets exactly that origin through; every other
request (model downloads, Hub look-ups) still meets the offline guard. The same hook removes the
token huggingface_hub adds on its own (from ``$HF_TOKEN`` or a saved login) unless the endpoint is
a Hugging Face host: a test caught it being sent to a plain TGI server.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from langchain_core.messages import BaseMessage
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableLambda

from core.llms.backend import LLMOption, RemoteBackend, guarded
from core.llms.remote import display_url, env_secret
from core.settings import Settings

HF_HOSTS = ("huggingface.co", "hf.space", "huggingface.cloud")
ROLES = {"system": "", "human": "User: ", "ai": "Assistant: "}
STOP = ["\nUser:", "\nHuman:"]


_allowed: set[tuple[str, str, int | None]] = set()
_allowed_lock = threading.Lock()


def _origin(url: Any) -> tuple[str, str, int | None]:
    import httpx

    parsed = httpx.URL(str(url))
    return parsed.scheme, parsed.host, parsed.port


def allow_endpoint(url: str) -> None:
    """Let huggingface_hub's shared HTTP client reach this one origin despite offline mode."""
    from huggingface_hub import set_client_factory
    from huggingface_hub.utils import _http

    with _allowed_lock:
        first = not _allowed
        _allowed.add(_origin(url))
    if not first:
        return

    def guard(hook: Any) -> Any:
        def checked(request: Any) -> Any:
            if _origin(request.url) not in _allowed:
                return hook(request)
            if not is_hf_host(str(request.url)):  # huggingface_hub adds $HF_TOKEN to every request
                request.headers.pop("authorization", None)
            return None

        return checked

    def factory() -> Any:
        client = _http.default_client_factory()
        client.event_hooks = {**client.event_hooks,
                              "request": [guard(h) for h in client.event_hooks.get("request", [])]}
        return client

    set_client_factory(factory)


def is_hf_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in HF_HOSTS)


def hf_token(url: str) -> str | None:
    return env_secret("HF_TOKEN", "HUGGINGFACEHUB_API_TOKEN") if is_hf_host(url) else None


def as_text(prompt: PromptValue | str) -> str:
    """The chat messages as one completion prompt that ends where the answer starts."""
    if isinstance(prompt, str):
        return prompt
    messages: list[BaseMessage] = prompt.to_messages()
    lines = [ROLES.get(m.type, "") + str(m.content) for m in messages]
    return "\n\n".join(lines) + "\n\nAssistant:"


class HFEndpointBackend(RemoteBackend):
    runtime = "hf-endpoint"
    packages = (("langchain_huggingface", "langchain-huggingface"), ("huggingface_hub", "huggingface-hub"))
    url_setting = "hf_endpoint_url"
    listing_path = "/info"

    def headers(self, url: str) -> dict[str, str]:
        token = hf_token(url)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def model_names(self, data: Any, url: str) -> list[tuple[str, str]]:
        return [(urlsplit(display_url(url)).netloc, str(data["model_id"]))]

    def build(self, option: LLMOption, settings: Settings) -> Any:
        from langchain_huggingface import HuggingFaceEndpoint

        url = self.url(settings)
        allow_endpoint(url)
        return HuggingFaceEndpoint(
            endpoint_url=url,
            huggingfacehub_api_token=hf_token(url),
            server_kwargs={"headers": self.headers(url)},
            max_new_tokens=settings.max_tokens,
            top_p=None,
            typical_p=None,
            stop_sequences=STOP,
            timeout=int(max(1, settings.llm_timeout)),
            streaming=True,
        )

    def tune(self, model: Any, option: LLMOption, settings: Settings) -> Runnable:
        """TGI rejects a temperature of 0: greedy decoding is ``do_sample=False`` instead."""
        sample = settings.temperature > 0
        copy = model.model_copy(update={"max_new_tokens": settings.max_tokens, "do_sample": sample,
                                        "temperature": settings.temperature if sample else None})
        return guarded(RunnableLambda(as_text) | copy, option.name, self.url(settings), settings.llm_timeout)
