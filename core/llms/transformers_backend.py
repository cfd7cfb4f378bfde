"""Hugging Face transformers in process: ``HuggingFacePipeline`` behind ``ChatHuggingFace``.

For users who want the transformers stack (or have a model only in that format): a local model
folder (``config.json`` plus weights) or any GGUF, which transformers dequantises to float32 when
it loads it (``gguf_file=``; needs the ``gguf`` and ``accelerate`` packages). That makes it several
times slower and hungrier than llama.cpp on the same file (docs/BENCHMARKS.md), so it is an
option, not the default. The chat template comes from the tokenizer (for a GGUF, from the file),
and ``ChatHuggingFace`` is given that tokenizer so it never looks a model id up on the Hub.

``HuggingFacePipeline`` reads generation settings from each call's ``pipeline_kwargs`` only (its
own field is ignored when streaming), so ``tune`` binds them per call; the context size does not
apply (no fixed KV cache), so a new context size does not reload the weights.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable

from core.i18n import say
from core.llms.backend import LLMOption, LocalBackend
from core.llms.errors import LLMUnavailable
from core.llms.model_files import ModelFile
from core.settings import Settings


class TransformersBackend(LocalBackend):
    runtime = "transformers"
    formats = ("gguf", "transformers")
    packages = (("transformers", "transformers"), ("torch", "torch"),
                ("langchain_huggingface", "langchain-huggingface"))
    reload_on = ("threads",)

    def extra_packages(self, file: ModelFile) -> tuple[tuple[str, str], ...]:
        return (("gguf", "gguf"), ("accelerate", "accelerate")) if file.format == "gguf" else ()

    def build(self, option: LLMOption, settings: Settings) -> Any:
        import torch
        from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
        from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

        torch.set_num_threads(settings.threads)
        path = option.path
        assert path is not None
        where: dict[str, str | bool]
        if path.is_dir():
            folder, where = path, {"local_files_only": True}
        else:
            folder, where = path.parent, {"gguf_file": path.name, "local_files_only": True}
        tokenizer = AutoTokenizer.from_pretrained(str(folder), **where)
        if not tokenizer.chat_template:
            raise LLMUnavailable(say("{name} has no chat template; use a chat (instruct) model", name=option.name))
        model = AutoModelForCausalLM.from_pretrained(str(folder), **where)
        generator = pipeline("text-generation", model=model, tokenizer=tokenizer, device="cpu")
        llm = HuggingFacePipeline(pipeline=generator, model_id=option.model)
        return ChatHuggingFace(llm=llm, tokenizer=tokenizer, model_id=option.model)

    def tune(self, model: Any, option: LLMOption, settings: Settings) -> Runnable:
        sample = settings.temperature > 0
        kwargs: dict[str, Any] = {"max_new_tokens": settings.max_tokens, "do_sample": sample,
                                  "return_full_text": False}
        if sample:
            kwargs["temperature"] = settings.temperature
        return model.bind(pipeline_kwargs=kwargs)
