"""An Ollama server (``ollama_url``) through LangChain's ``ChatOllama``.

Ollama applies each model's chat template itself; we send messages. Its model list is
``GET /api/tags``; the picker shows every model pulled there as ``ollama:<name>``. On this
machine (the default ``http://localhost:11434``) nothing leaves it; set ``ollama_url = ""`` to
hide the backend.
"""

from __future__ import annotations

from typing import Any

from core.llms.backend import LLMOption, RemoteBackend
from core.settings import Settings


class OllamaBackend(RemoteBackend):
    runtime = "ollama"
    packages = (("langchain_ollama", "langchain-ollama"),)
    url_setting = "ollama_url"
    listing_path = "/api/tags"
    reload_on = ("llm_timeout", "context_size")
    tuned_fields = ("temperature", "num_predict")

    def model_names(self, data: Any, url: str) -> list[tuple[str, str]]:
        return [(m["name"], m.get("details", {}).get("parameter_size", "")) for m in data["models"]]

    def build(self, option: LLMOption, settings: Settings) -> Any:
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=option.model,
            base_url=self.url(settings),
            num_ctx=settings.context_size,
            num_predict=settings.max_tokens,
            temperature=settings.temperature,
            client_kwargs={"timeout": settings.llm_timeout},
        )

