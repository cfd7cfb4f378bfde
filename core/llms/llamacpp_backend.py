"""llama.cpp in process (``llama-cpp-python``) through LangChain's ``ChatLlamaCpp``.

The chat template stored in the GGUF is applied by llama.cpp itself. One ``Llama`` object
keeps its KV cache between calls, so the fixed system prompt is evaluated once and later
questions only pay for their passages and question (the bottleneck on a CPU).
"""

from __future__ import annotations

from typing import Any

from core.llms.backend import LLMOption, LocalBackend
from core.settings import Settings

PROMPT_BATCH = 512
SEED = 42  # the same question over the same passages gives the same answer


class LlamaCppBackend(LocalBackend):
    runtime = "llama.cpp"
    packages = (("llama_cpp", "llama-cpp-python"), ("langchain_community", "langchain-community"))

    def build(self, option: LLMOption, settings: Settings) -> Any:
        from langchain_community.chat_models import ChatLlamaCpp

        return ChatLlamaCpp(
            model_path=str(option.path),
            n_ctx=settings.context_size,
            n_threads=settings.threads,
            n_batch=PROMPT_BATCH,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            streaming=True,
            verbose=False,
            seed=SEED,
            model_kwargs={"flash_attn": True, "n_threads_batch": settings.threads},
        )
