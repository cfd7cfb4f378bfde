"""GPT4All runtime (the design card's choice) as a streaming LangChain chat model.

gpt4all 2.8 ignores the chat template stored in a GGUF, so each call opens a chat session
with the ChatML template of the Qwen2.5 models we ship; only the template and the system
prompt are parsed for special tokens, never the user's text. ``allow_download`` is always
False: a missing file fails at once instead of contacting gpt4all's model list.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from core.llms.backend import LLMOption, LocalBackend
from core.llms.model_files import ModelFile
from core.settings import Settings

PROMPT_BATCH = 512
CHATML_SYSTEM = "<|im_start|>system\n{0}<|im_end|>\n"
CHATML_TURN = "<|im_start|>user\n{0}<|im_end|>\n<|im_start|>assistant\n{1}<|im_end|>\n"
STOP_MARKERS = ("<|im_end|>", "<|endoftext|>", "<|im_start|>")


def split_at_stop(buffer: str) -> tuple[str, str, bool]:
    """Return (text safe to emit, text to hold back, stop reached) for the streamed buffer."""
    cuts = [buffer.find(m) for m in STOP_MARKERS if m in buffer]
    if cuts:
        return buffer[: min(cuts)], "", True
    start = buffer.rfind("<")
    if start >= 0 and any(m.startswith(buffer[start:]) for m in STOP_MARKERS):
        return buffer[:start], buffer[start:], False
    return buffer, "", False


class ChatGPT4All(BaseChatModel):
    model_file: Path
    max_tokens: int = 384
    temperature: float = 0.1
    threads: int = 2
    context_size: int = 2048
    _model: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "gpt4all"

    def load(self) -> Any:
        if self._model is None:
            from gpt4all import GPT4All

            self._model = GPT4All(
                model_name=self.model_file.name,
                model_path=str(self.model_file.parent),
                allow_download=False,
                device="cpu",
                n_threads=self.threads,
                n_ctx=self.context_size,
                verbose=False,
            )
        return self._model

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        model = self.load()
        system = "\n".join(str(m.content) for m in messages if m.type == "system")
        prompt = "\n\n".join(str(m.content) for m in messages if m.type != "system")
        stopped = [False]  # read by gpt4all's callback: returning False ends generation
        held = ""
        with model.chat_session(system_prompt=CHATML_SYSTEM.format(system), prompt_template=CHATML_TURN):
            for token in model.generate(
                prompt, max_tokens=self.max_tokens, temp=self.temperature, n_batch=PROMPT_BATCH,
                streaming=True, callback=lambda _token_id, _text: not stopped[0],
            ):
                text, held, stopped[0] = split_at_stop(held + token)
                if text:
                    if run_manager:
                        run_manager.on_llm_new_token(text)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=text))
                if stopped[0]:
                    break

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(str(c.message.content) for c in self._stream(messages, stop, run_manager))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


class GPT4AllBackend(LocalBackend):
    runtime = "gpt4all"
    packages = (("gpt4all", "gpt4all"),)
    # Architectures gpt4all 2.8's bundled llama.cpp cannot load (STACK.md: SmolLM2's pre-tokenizer).
    unsupported_tags = ("smollm",)

    def unsupported(self, file: ModelFile) -> str:
        if any(tag in file.stem for tag in self.unsupported_tags):
            return "gpt4all 2.8 cannot load this architecture; use llama.cpp"
        return ""

    def build(self, option: LLMOption, settings: Settings) -> ChatGPT4All:
        model = ChatGPT4All(model_file=option.path, max_tokens=settings.max_tokens, temperature=settings.temperature,
                            threads=settings.threads, context_size=settings.context_size)
        model.load()  # loaded once; ``tune`` copies share it
        return model

    def close(self, model: ChatGPT4All) -> None:
        """gpt4all frees its model when the object goes; nothing to do early."""
