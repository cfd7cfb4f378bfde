"""A Hugging Face text-generation endpoint (``hf_endpoint_url``): a TGI server or a Hugging Face
Inference Endpoint running TGI. One URL serves one model, so the name is ``hf-endpoint:<host:port>``
and the model id from ``GET /info`` is shown beside it.

TGI serves the OpenAI-compatible chat API under ``/v1`` (chat completions since 1.4, ``GET /v1/models``
since 2.3), where the server applies the model's own chat template. Building the model asks
``/v1/models`` once (``remote.probe``: at most ``PROBE_TIMEOUT`` seconds, the answer shared with the
picker); when it lists the model, questions go as chat messages through the OpenAI backend's client
(``openai_backend.chat_openai``). Only a server without that route (TGI before 2.3, or a custom
endpoint) gets TGI's text-generation API (``POST /`` with ``"stream": true``), which takes one prompt
string: the messages are then rendered as plain "User:/Assistant:" text, because the server's
template is not known here.

The token (``$HF_TOKEN`` or ``$HUGGINGFACEHUB_API_TOKEN``) is sent only to Hugging Face's own hosts,
never to a server elsewhere that happens to be configured. huggingface_hub is not used: ``core`` puts
it in offline mode, whose HTTP client refuses every request, and both routes are plain HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.llms import LLM
from langchain_core.messages import BaseMessage
from langchain_core.outputs import GenerationChunk
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableLambda

from core.llms.backend import LLMOption, RemoteBackend, guarded, split_at_stop
from core.llms.openai_backend import chat_openai
from core.llms.remote import display_url, env_secret, probe
from core.settings import Settings

HF_HOSTS = ("huggingface.co", "hf.space", "huggingface.cloud")
ROLES = {"system": "", "human": "User: ", "ai": "Assistant: "}
STOP = ("\nUser:", "\nHuman:")
OPENAI_ROUTE = "/v1"
TGI_MODEL = "tgi"  # what TGI's documentation sends as the model; TGI serves one model and ignores it


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


def openai_model(url: str, headers: dict[str, str]) -> str | None:
    """The model id TGI's ``/v1/models`` lists, or None when the server has no such route."""
    listing = probe(url + OPENAI_ROUTE + "/models", headers)
    try:
        return str(listing.data["data"][0]["id"]) if listing.ok else None
    except (KeyError, IndexError, TypeError):
        return None


class TGITextGeneration(LLM):
    """TGI's text-generation API, streamed: server-sent events of one token each."""

    endpoint_url: str
    headers: dict[str, str] = {}
    max_new_tokens: int = 384
    temperature: float = 0.1  # 0 is greedy decoding: sent as ``do_sample`` false (TGI rejects temperature 0)
    timeout: float = 120.0
    stop_sequences: tuple[str, ...] = STOP

    @property
    def _llm_type(self) -> str:
        return "tgi-text-generation"

    def _parameters(self) -> dict[str, Any]:
        sample = self.temperature > 0
        return {"max_new_tokens": self.max_new_tokens, "do_sample": sample, "stop": list(self.stop_sequences),
                **({"temperature": self.temperature} if sample else {})}

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        import httpx

        body = {"inputs": prompt, "parameters": self._parameters(), "stream": True}
        held = ""
        with httpx.stream("POST", self.endpoint_url, json=body, headers=self.headers, timeout=self.timeout) as answer:
            if answer.is_error:
                answer.read()
                raise httpx.HTTPStatusError(f"HTTP {answer.status_code}: {answer.text[:300]}",
                                            request=answer.request, response=answer)
            for line in answer.iter_lines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                if "error" in event:
                    raise RuntimeError(f"the server stopped the answer: {event['error']}")
                if event["token"].get("special"):
                    continue
                text, held, stopped = split_at_stop(held + event["token"]["text"], self.stop_sequences)
                if text:
                    if run_manager:
                        run_manager.on_llm_new_token(text)
                    yield GenerationChunk(text=text)
                if stopped:
                    return
        if held:  # the answer ended on what only looked like the start of a stop sequence
            yield GenerationChunk(text=held)

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return "".join(chunk.text for chunk in self._stream(prompt, stop, run_manager))


class HFEndpointBackend(RemoteBackend):
    runtime = "hf-endpoint"
    packages = (("langchain_openai", "langchain-openai"), ("httpx", "httpx"))
    url_setting = "hf_endpoint_url"
    listing_path = "/info"

    def headers(self, url: str) -> dict[str, str]:
        token = hf_token(url)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def model_names(self, data: Any, url: str) -> list[tuple[str, str]]:
        return [(urlsplit(display_url(url)).netloc, str(data["model_id"]))]

    def build(self, option: LLMOption, settings: Settings) -> Any:
        url = self.url(settings)
        model = openai_model(url, self.headers(url))
        if model is not None:
            return chat_openai(url + OPENAI_ROUTE, model or TGI_MODEL, hf_token(url), settings, max_tokens_field=True)
        return TGITextGeneration(endpoint_url=url, headers=self.headers(url), max_new_tokens=settings.max_tokens,
                                 temperature=settings.temperature, timeout=settings.llm_timeout)

    def tune(self, model: Any, option: LLMOption, settings: Settings) -> Runnable:
        if not isinstance(model, TGITextGeneration):
            return super().tune(model, option, settings)
        copy = model.model_copy(update={"max_new_tokens": settings.max_tokens, "temperature": settings.temperature})
        return guarded(RunnableLambda(as_text) | copy, option.name, self.url(settings), settings.llm_timeout)
