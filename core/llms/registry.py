"""Every language model this machine can run, by name, and loading one (once per process).

A name is ``<runtime>:<gguf stem>``, for example ``llama.cpp:qwen2.5-coder-1.5b-instruct-q4_k_m``.
Availability is checked without importing the runtime, so listing models is instant.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

from core.llms.loaded import LoadedLLM
from core.llms.model_files import DEFAULT_GGUF, discover
from core.settings import PROJECT_ROOT, Settings

# runtime name -> (module to import, pip package, backend module in core.llms)
RUNTIMES = {
    "llama.cpp": ("llama_cpp", "llama-cpp-python", "core.llms.llamacpp_backend"),
    "gpt4all": ("gpt4all", "gpt4all", "core.llms.gpt4all_backend"),
}
# Architectures gpt4all 2.8's bundled llama.cpp cannot load (STACK.md: SmolLM2's pre-tokenizer).
GPT4ALL_UNSUPPORTED = ("smollm",)
READY = "ready"
# Where setup assembles the default model; found whatever data dir is in use.
DEFAULT_MODELS_DIR = PROJECT_ROOT / "files" / "models"


class LLMUnavailable(Exception):
    """The chosen model cannot be used now; the message says why and what to do."""


@dataclass(frozen=True)
class LLMOption:
    name: str
    runtime: str
    path: Path | None
    state: str
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.state == READY

    def to_json(self) -> dict:
        return {"name": self.name, "runtime": self.runtime, "path": str(self.path) if self.path else None,
                "state": self.state, "detail": self.detail}


def _state(runtime: str, stem: str) -> tuple[str, str]:
    module, package, _ = RUNTIMES[runtime]
    if importlib.util.find_spec(module) is None:
        return "not installed", f"pip install {package}"
    if runtime == "gpt4all" and any(tag in stem for tag in GPT4ALL_UNSUPPORTED):
        return "unsupported", "gpt4all 2.8 cannot load this architecture; use llama.cpp"
    return READY, ""


def available_llms(settings: Settings) -> list[LLMOption]:
    files = discover(settings.models_dir, DEFAULT_MODELS_DIR)
    default_stem = Path(DEFAULT_GGUF).stem
    options = []
    if not any(f.stem == default_stem for f in files):
        for runtime in RUNTIMES:
            options.append(LLMOption(f"{runtime}:{default_stem}", runtime, None, "model file missing",
                                     "run scripts/setup.sh to assemble it"))
    for file in files:
        for runtime in RUNTIMES:
            state, detail = _state(runtime, file.stem)
            options.append(LLMOption(f"{runtime}:{file.stem}", runtime, file.path, state, detail))
    options.sort(key=lambda o: (o.name != settings.llm, o.path is None, o.name))
    return options


_cache: dict[tuple, LoadedLLM] = {}
_cache_lock = threading.Lock()


@atexit.register
def _close_models() -> None:
    """Free native models before interpreter teardown (llama-cpp-python errors if left to __del__)."""
    for loaded in _cache.values():
        close = getattr(getattr(loaded.runnable, "client", None), "close", None)
        if close:
            close()
    _cache.clear()


def find_option(name: str, settings: Settings) -> LLMOption:
    options = available_llms(settings)
    for option in options:
        if option.name == name:
            return option
    known = ", ".join(o.name for o in options) or "none"
    raise LLMUnavailable(f"unknown model {name!r}; available: {known}")


def load_llm(name: str, settings: Settings) -> LoadedLLM:
    """Load a model once per process and settings; later calls return the same object."""
    option = find_option(name, settings)
    if not option.ready:
        raise LLMUnavailable(f"{name} is {option.state}" + (f": {option.detail}" if option.detail else ""))
    key = (name, str(option.path), settings.max_tokens, settings.temperature, settings.context_size)
    with _cache_lock:
        if key not in _cache:
            backend = importlib.import_module(RUNTIMES[option.runtime][2])
            try:
                runnable = backend.build(
                    option.path, max_tokens=settings.max_tokens, temperature=settings.temperature,
                    threads=settings.threads, context_size=settings.context_size,
                )
            except Exception as exc:  # noqa: BLE001 - a model that fails to load is a message
                raise LLMUnavailable(f"{name} failed to load: {exc}") from exc
            _cache[key] = LoadedLLM(name=name, runnable=runnable)
        return _cache[key]
