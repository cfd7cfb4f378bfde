"""Any OpenAI-compatible server (``openai_url``): llama.cpp's server, vLLM, LM Studio, TGI's
``/v1``, or a hosted API. Through LangChain's ``ChatOpenAI``; the server applies the chat template.

The API key is ``$DOCCHAT_OPENAI_API_KEY``, else ``$OPENAI_API_KEY`` but only for api.openai.com
(so a key meant for OpenAI is never handed to another server), else "not-needed" (local servers
accept anything). A URL without a path gets ``/v1``, where all of these serve the API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from core.llms.backend import LLMOption, RemoteBackend
from core.llms.remote import env_secret
from core.settings import Settings

NO_KEY = "not-needed"
MAX_RETRIES = 0  # the chat page shows the error at once; a retry would double every timeout


def api_key(url: str) -> str | None:
    key = env_secret("DOCCHAT_OPENAI_API_KEY")
    if key is None and urlsplit(url).hostname == "api.openai.com":
        key = env_secret("OPENAI_API_KEY")
    return key


class OpenAIBackend(RemoteBackend):
    runtime = "openai"
    packages = (("langchain_openai", "langchain-openai"),)
    url_setting = "openai_url"
    listing_path = "/models"

    def url(self, settings: Settings) -> str:
        url = super().url(settings)
        return url + "/v1" if url and urlsplit(url).path in ("", "/") else url

    def headers(self, url: str) -> dict[str, str]:
        key = api_key(url)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def model_names(self, data: Any, url: str) -> list[tuple[str, str]]:
        return [(m["id"], m.get("owned_by") or "") for m in data["data"]]

    def build(self, option: LLMOption, settings: Settings) -> Any:
        url = self.url(settings)
        return chat_openai(url, option.model, api_key(url), settings)


def chat_openai(base_url: str, model: str, key: str | None, settings: Settings, max_tokens_field: bool = False) -> Any:
    """The chat model for one OpenAI-compatible API at ``base_url`` (ending in ``/v1``), also used for
    TGI's ``/v1`` route (``hf_endpoint_backend``). ``key`` None sends the placeholder ``NO_KEY``: the
    client would otherwise take ``$OPENAI_API_KEY`` and send it to whatever server this is.

    ``ChatOpenAI`` sends the answer length as ``max_completion_tokens`` (OpenAI's name since September
    2024), which TGI reads only from 3.0.2 on; an older TGI would ignore it and answer up to its own
    limit. ``max_tokens_field`` picks ``BaseChatOpenAI``, the same client without OpenAI's renames,
    which sends ``max_tokens``."""
    from langchain_openai import ChatOpenAI
    from langchain_openai.chat_models.base import BaseChatOpenAI
    from pydantic import SecretStr

    return (BaseChatOpenAI if max_tokens_field else ChatOpenAI)(
        model=model,
        base_url=base_url,
        api_key=SecretStr(key or NO_KEY),
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        timeout=settings.llm_timeout,
        max_retries=MAX_RETRIES,
        streaming=True,
    )
