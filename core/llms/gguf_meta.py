"""The few GGUF metadata values a chat prompt needs, read by llama.cpp itself.

gpt4all 2.8 ignores the chat template a GGUF carries, so ``chat_template`` renders it for gpt4all
(``core/llms/chat_template.py``). llama.cpp (the default runtime, always installed) opens the file
with ``vocab_only``: it reads the header and the vocabulary, never the tensors, and resolves the
BOS/EOS tokens and whether the tokenizer adds a BOS as it does when it runs the model. The default
Qwen2.5-Coder-1.5B file (151,936 tokens) takes 0.8 s on this CPU, once per model load; the
``gguf`` package's reader took 42 s on the same file, as it decodes every token into arrays.
"""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass
from pathlib import Path

MAX_TEMPLATE_BYTES = 2**20  # the longest templates we know of (tool-calling ones) are ~15 KB
TEMPLATE_KEY = b"tokenizer.chat_template"


class GGUFError(ValueError):
    """The file is not a GGUF llama.cpp reads, or its template breaks a bound."""


@dataclass(frozen=True)
class ChatMetadata:
    """What rendering a chat prompt needs from one GGUF. ``adds_bos``: the runtime puts the BOS token
    in front of the prompt itself, so a template's own ``bos_token`` must not be sent a second time."""

    chat_template: str | None = None
    bos_token: str = ""
    eos_token: str = ""
    adds_bos: bool = False


def read_chat_metadata(path: Path) -> ChatMetadata:
    """The chat template and BOS/EOS tokens of the GGUF at ``path`` (``chat_template`` None when it has none)."""
    import llama_cpp

    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    log = logging.getLogger("llama-cpp-python")  # llama.cpp's loader logs every key otherwise
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        model = llama_cpp.llama_model_load_from_file(str(path).encode(), params)
    finally:
        log.setLevel(level)
    if not model:
        raise GGUFError(f"{path.name} is not a GGUF file llama.cpp can read")
    try:
        vocab = llama_cpp.llama_model_get_vocab(model)

        def text(token: int) -> str:
            return llama_cpp.llama_vocab_get_text(vocab, token).decode("utf-8", "replace") if token >= 0 else ""

        return ChatMetadata(_template(model, path.name), text(llama_cpp.llama_vocab_bos(vocab)),
                            text(llama_cpp.llama_vocab_eos(vocab)), bool(llama_cpp.llama_vocab_get_add_bos(vocab)))
    finally:
        llama_cpp.llama_model_free(model)


def _template(model: object, name: str) -> str | None:
    import llama_cpp

    size = llama_cpp.llama_model_meta_val_str(model, TEMPLATE_KEY, None, 0)  # its length, or -1: none
    if size < 0:
        return None
    if size > MAX_TEMPLATE_BYTES:
        raise GGUFError(f"{name}: the chat template is {size:,} bytes; at most {MAX_TEMPLATE_BYTES:,} are read")
    buffer = ctypes.create_string_buffer(size + 1)
    llama_cpp.llama_model_meta_val_str(model, TEMPLATE_KEY, buffer, size + 1)
    return buffer.value.decode("utf-8", "replace")
