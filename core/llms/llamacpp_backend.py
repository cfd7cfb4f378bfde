"""llama.cpp in process (``llama-cpp-python``) through LangChain's ``ChatLlamaCpp``.

The chat template stored in the GGUF is applied by llama.cpp itself. One ``Llama`` object
keeps its KV cache between calls, so the fixed system prompt is evaluated once and later
questions only pay for their passages and question (the bottleneck on a CPU).
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.runnables import Runnable

PROMPT_BATCH = 512
SEED = 42  # the same question over the same passages gives the same answer


def build(model_file: Path, *, max_tokens: int, temperature: float, threads: int, context_size: int) -> Runnable:
    from langchain_community.chat_models import ChatLlamaCpp

    return ChatLlamaCpp(
        model_path=str(model_file),
        n_ctx=context_size,
        n_threads=threads,
        n_batch=PROMPT_BATCH,
        max_tokens=max_tokens,
        temperature=temperature,
        streaming=True,
        verbose=False,
        seed=SEED,
        model_kwargs={"flash_attn": True, "n_threads_batch": threads},
    )
