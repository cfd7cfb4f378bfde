"""A GGUF's own chat template, rendered into the two strings gpt4all 2.8 takes instead.

gpt4all ignores the template stored in a GGUF and wants a ``system_prompt`` (read with special
tokens parsed) and a ``prompt_template`` whose ``{0}`` is the user's text (never parsed for special
tokens: a document cannot smuggle a ``<|im_start|>`` in) and whose ``{1}`` is the answer. This renders
the file's Jinja template (``tokenizer.chat_template``, as Hugging Face tokenizers do) once per call
with a marker in place of the user's text and cuts the result at the marker: what comes before is the
system prompt, what comes after is the template around ``{0}``. Only a file without a template gets
the ChatML of the Qwen2.5 models we ship.

Templates come with model files from anywhere, so they run in Jinja's immutable sandbox: no
attribute access to Python internals, no changing the messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from core.llms.gguf_meta import ChatMetadata, read_chat_metadata

CHATML_SYSTEM = "<|im_start|>system\n{0}<|im_end|>\n"
CHATML_TURN = "<|im_start|>user\n{0}<|im_end|>\n<|im_start|>assistant\n{1}<|im_end|>\n"
STOP_MARKERS = ("<|im_end|>", "<|endoftext|>", "<|im_start|>")
# Private-use characters: no filter a template applies changes them, and no prompt contains them.
USER_MARK = "\ue000docchat user text\ue001"
ANSWER_MARK = "\ue000docchat answer\ue001"


class ChatTemplateError(ValueError):
    """The file's chat template cannot be turned into a gpt4all prompt; the message says why."""


def _raise(message: str) -> None:
    raise ChatTemplateError(message)


def _tojson(value: Any, indent: int | None = None) -> str:
    """Jinja's own ``tojson`` escapes ``<``, ``>`` and ``&`` for HTML; a prompt wants them as they are."""
    return json.dumps(value, ensure_ascii=False, indent=indent)


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)  # Llama 3.x templates date the prompt
    return env


def _braces(text: str) -> str:
    """``text`` as a literal part of a gpt4all prompt template (which goes through ``str.format``)."""
    return text.replace("{", "{{").replace("}", "}}")


@dataclass(frozen=True)
class ChatFormat:
    """How one model file wants an exchange written, for gpt4all; ``template`` None means ChatML."""

    template: Any = None  # a compiled jinja2 Template
    meta: ChatMetadata = field(default_factory=ChatMetadata)
    turn_end: str = ""  # what the template writes after an answer, e.g. "<|im_end|>\n"
    stop_markers: tuple[str, ...] = STOP_MARKERS

    @classmethod
    def from_metadata(cls, meta: ChatMetadata) -> ChatFormat:
        """Compile the template and try it once, so a template that cannot work fails at load time."""
        if not meta.chat_template:
            return cls(meta=meta)
        try:
            template = _environment().from_string(meta.chat_template)
        except TemplateError as exc:
            raise ChatTemplateError(f"its chat template does not compile: {exc}") from exc
        probe = cls(template, meta)
        probe.session("")
        answered = probe._render([{"role": "user", "content": USER_MARK},
                                  {"role": "assistant", "content": ANSWER_MARK}], False)
        turn_end = answered.split(ANSWER_MARK, 1)[1] if answered.count(ANSWER_MARK) == 1 else ""
        markers = [m for m in (turn_end.strip(), meta.eos_token, *STOP_MARKERS) if m]
        return cls(template, meta, turn_end, tuple(dict.fromkeys(markers)))

    def _render(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        try:
            return self.template.render(messages=messages, add_generation_prompt=add_generation_prompt,
                                        bos_token=self.meta.bos_token, eos_token=self.meta.eos_token)
        except TemplateError as exc:  # includes the sandbox's SecurityError
            raise ChatTemplateError(f"its chat template failed: {exc}") from exc

    def session(self, system: str) -> tuple[str, str]:
        """(system prompt, prompt template) for one gpt4all chat session with this system message.
        An empty system message is left out, so the template's own default applies."""
        if self.template is None:
            return CHATML_SYSTEM.format(system), CHATML_TURN
        messages = [{"role": "system", "content": system}] if system else []
        text = self._render([*messages, {"role": "user", "content": USER_MARK}], True)
        if text.count(USER_MARK) != 1:
            raise ChatTemplateError("its chat template does not write the user's message exactly once")
        before, after = text.split(USER_MARK)
        if self.meta.adds_bos and self.meta.bos_token and before.startswith(self.meta.bos_token):
            before = before[len(self.meta.bos_token):]  # gpt4all puts the BOS token in front itself
        turn = "{0}" + _braces(after) + "{1}" + _braces(self.turn_end)
        if any(p in turn for p in ("%1", "%2")):  # gpt4all's own placeholders
            raise ChatTemplateError("its chat template writes gpt4all's placeholder '%1' or '%2'")
        return before, turn


def chat_format(path: Path) -> ChatFormat:
    """The chat format of the GGUF at ``path``: its own template, or ChatML when it has none."""
    return ChatFormat.from_metadata(read_chat_metadata(path))
