"""GPT4All runtime (the design card's choice) as a streaming LangChain chat model.

gpt4all 2.8 ignores the chat template stored in a GGUF, so each call opens a chat session with
that template rendered by us (``core/llms/chat_template.py``; ChatML only for a file without one);
only the template and the system prompt are parsed for special tokens, never the user's text.
The answer is cut at the template's end-of-turn text and the file's EOS token, should the model
write them out. ``allow_download`` is always False: a missing file fails at once instead of
contacting gpt4all's model list.
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

from core.llms.backend import LLMOption, LocalBackend, split_at_stop
from core.llms.chat_template import CHATML_SYSTEM, CHATML_TURN, STOP_MARKERS, ChatFormat, chat_format
from core.llms.model_files import ModelFile
from core.settings import Settings

__all__ = ["CHATML_SYSTEM", "CHATML_TURN", "PROMPT_BATCH", "STOP_MARKERS", "ChatGPT4All", "GPT4AllBackend",
           "split_at_stop"]  # bench/ drives gpt4all with the same constants

PROMPT_BATCH = 512



class ChatGPT4All(BaseChatModel):
    model_file: Path
    max_tokens: int = 384
    temperature: float = 0.1
    threads: int = 2
    context_size: int = 2048
    _model: Any = PrivateAttr(default=None)
    _format: ChatFormat = PrivateAttr(default_factory=ChatFormat)

    @property
    def _llm_type(self) -> str:
        return "gpt4all"

    def load(self) -> Any:
        if self._model is None:
            from gpt4all import GPT4All

            self._format = chat_format(self.model_file)  # first: a bad template fails before the weights load
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
        system_prompt, prompt_template = self._format.session(system)
        with model.chat_session(system_prompt=system_prompt, prompt_template=prompt_template):
            for token in model.generate(
                prompt, max_tokens=self.max_tokens, temp=self.temperature, n_batch=PROMPT_BATCH,
                streaming=True, callback=lambda _token_id, _text: not stopped[0],
            ):
                text, held, stopped[0] = split_at_stop(held + token, self._format.stop_markers)
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
        assert option.path is not None, "a local option always has its file"
        model = ChatGPT4All(model_file=option.path, max_tokens=settings.max_tokens, temperature=settings.temperature,
                            threads=settings.threads, context_size=settings.context_size)
        model.load()  # loaded once; ``tune`` copies share it
        return model

    def close(self, model: ChatGPT4All) -> None:
        """gpt4all frees its model when the object goes; nothing to do early."""
