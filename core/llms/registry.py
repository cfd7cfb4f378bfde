"""Every language model this machine can use, by name, and loading one (once per process).

A name is ``<runtime>:<model>``: ``llama.cpp:qwen2.5-coder-1.5b-instruct-q4_k_m`` (a GGUF stem),
``transformers:<stem or folder>``, ``ollama:llama3.2:1b``, ``openai:<id>``, ``hf-endpoint:<host:port>``.
``BACKENDS`` is the one place a backend is registered. Listing never imports a runtime and asks a
configured server at most one short GET (cached a few seconds), so the picker stays instant.

One built model is kept per (name, where): a model file is loaded once. Settings that need a
rebuild (context size, threads, timeout: ``Backend.built_for``) replace it: the old instance is
closed (after the answer in progress, under its lock) before the new one is built, so picking
another context size never leaves a second copy of the weights in memory. Two sessions that use
different context sizes therefore take turns reloading it; that costs seconds, two resident
copies would cost gigabytes. Temperature and answer length only make a cheap copy, so each browser
session can have its own without loading the weights again. Copies of one model share its lock
(``ModelLock``): one native model answers one question at a time.

Loading never holds a lock that other models wait on. Building a model takes seconds to minutes
(llama.cpp reads 1 GB of weights; a rebuild first waits up to ``RETIRE_WAIT`` for the answer in
progress), so each model has its own build lock: two sessions asking for the same model build it
once, while a session asking for another one, or for a model already built, goes on at once. The
shared dictionaries are guarded by ``_lock``, held only to read or publish an entry. Each call
also reuses the option it found for up to ``LISTING_TTL`` seconds instead of listing again.
"""

from __future__ import annotations

import atexit
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cachetools import TTLCache

from core.i18n import catalogued, say
from core.llms.backend import Backend, LLMOption, RemoteBackend
from core.llms.errors import LLMUnavailable
from core.llms.gpt4all_backend import GPT4AllBackend
from core.llms.hf_endpoint_backend import HFEndpointBackend
from core.llms.llamacpp_backend import LlamaCppBackend
from core.llms.loaded import LoadedLLM, ModelLock
from core.llms.model_files import DEFAULT_GGUF, DEFAULT_MODELS_DIR, ModelFile, discover, split_model_paths
from core.llms.ollama_backend import OllamaBackend
from core.llms.openai_backend import OpenAIBackend
from core.llms.remote import PROBE_TTL, forget_probes, without_credentials
from core.llms.states import MISSING, READY
from core.llms.transformers_backend import TransformersBackend
from core.settings import Settings

BACKENDS: dict[str, Backend] = {b.runtime: b for b in (
    LlamaCppBackend(), GPT4AllBackend(), TransformersBackend(), OllamaBackend(), OpenAIBackend(), HFEndpointBackend(),
)}
# Where setup assembles the default model; found whatever data dir is in use.
# Seconds a rebuild waits for the answer in progress on the old instance before giving up with a message
# (an answer on 2 cores takes 10-60 s; waiting longer would look like a hang).
RETIRE_WAIT = 120.0
# Seconds ``load_llm`` reuses the option it found for a name (a ready one only): the same as a server
# listing's (``remote.PROBE_TTL``), so a model file or server that goes away is noticed as soon as the
# picker would notice it. Keys are (name, what its backend lists from); 256 covers every model of a
# machine under a few settings.
LISTING_TTL = PROBE_TTL
LISTING_CACHE_SIZE = 256

__all__ = ["BACKENDS", "READY", "LLMOption", "LLMUnavailable", "available_llms", "find_option", "load_llm"]


def model_files(settings: Settings) -> list[ModelFile]:
    """Every model file the local runtimes could load, the default one even when it is missing."""
    files = discover(settings.models_dir, DEFAULT_MODELS_DIR, extra=split_model_paths(settings.model_paths))
    default_stem = Path(DEFAULT_GGUF).stem
    if not any(f.stem == default_stem for f in files):
        files.insert(0, ModelFile(default_stem, DEFAULT_MODELS_DIR / DEFAULT_GGUF,
                                  hint="run scripts/setup.sh to assemble it"))
    return files


def available_llms(settings: Settings, runtimes: list[str] | None = None) -> list[LLMOption]:
    """Every option with its state, the configured model first, then by backend and name.
    Remote servers are asked in parallel, so a slow one costs one timeout, not the sum."""
    chosen = [BACKENDS[r] for r in runtimes if r in BACKENDS] if runtimes else list(BACKENDS.values())
    files = model_files(settings)
    with ThreadPoolExecutor(max_workers=len(chosen) or 1) as pool:
        listed = list(pool.map(lambda backend: backend.options(settings, files), chosen))
    order = list(BACKENDS)
    options = [o for group in listed for o in group]
    options.sort(key=lambda o: (o.name != settings.llm, order.index(o.runtime), o.state == MISSING,
                                o.name))
    return options


def find_option(name: str, settings: Settings) -> LLMOption:
    runtime = name.partition(":")[0]
    options = available_llms(settings, [runtime] if runtime in BACKENDS else None)
    for option in options:
        if option.name == name:
            return option
    for option in options:  # the server is down or lists nothing: say that, not "unknown model"
        if option.model == "*":
            state = catalogued(option.state)  # its name as the pages list it
            raise LLMUnavailable(say("{name}: {state} ({detail})", name=name, state=state, detail=option.detail)
                                 if option.detail else say("{name}: {state}", name=name, state=state))
    everything = available_llms(settings) if runtime in BACKENDS else options
    known = ", ".join(o.name for o in everything if o.ready) or say("none")
    raise LLMUnavailable(say("unknown model {name}; available: {known}", name=repr(name), known=known))


@dataclass
class _Built:
    """The one instance of a model, what it was built for, and the lock its copies share."""

    backend: Backend
    model: Any
    built_for: tuple
    lock: ModelLock = field(default_factory=ModelLock)


Slot = tuple[str, str]  # (name, where: its file or server URL)
_built: dict[Slot, _Built] = {}  # slot -> its one instance
_loaded: dict[tuple, LoadedLLM] = {}  # (name, where, built_for, temperature, max_tokens) -> a tuned copy
_building: dict[Slot, ModelLock] = {}  # slot -> the lock held while it is built or retired (first come first served)
_found: TTLCache[tuple, LLMOption] = TTLCache(maxsize=LISTING_CACHE_SIZE, ttl=LISTING_TTL)  # ready options
_lock = threading.Lock()  # guards the four above; never held while building, closing or waiting


def forget_listings() -> None:
    """Forget every listing and server answer, so the next call asks again (tests; a changed setup)."""
    with _lock:
        _found.clear()
    forget_probes()


@atexit.register
def _close_models() -> None:
    """Free native models before interpreter teardown (llama-cpp-python errors if left to __del__)."""
    with _lock:
        built = list(_built.values())
        _built.clear()
        _loaded.clear()
    for one in built:
        one.backend.close(one.model)


def _ready_option(name: str, settings: Settings) -> LLMOption:
    """``find_option`` for a model that must be ready, reused for ``LISTING_TTL`` seconds."""
    backend = BACKENDS.get(name.partition(":")[0])
    key = (name, DEFAULT_MODELS_DIR, backend.listed_from(settings)) if backend else None
    if key is not None:
        with _lock:
            option = _found.get(key)
        if option is not None:
            return option
    option = find_option(name, settings)
    if not option.ready:
        state = catalogued(option.state)
        raise LLMUnavailable(say("{name} is {state}: {detail}", name=name, state=state, detail=option.detail)
                             if option.detail else say("{name} is {state}", name=name, state=state))
    if key is not None:
        with _lock:
            _found[key] = option
    return option


def _retire(slot: Slot, built: _Built) -> None:
    """Close the instance in ``slot`` once no question runs on it, and forget its copies; a session
    still holding one gets a clear message from its lock instead of a freed model."""
    if not built.lock.acquire(timeout=RETIRE_WAIT):
        raise LLMUnavailable(say("{name} is still answering another question with other settings; ask again in a "
                                 "moment", name=slot[0]))
    try:
        with _lock:
            del _built[slot]
            for key in [k for k in _loaded if k[:2] == slot]:
                del _loaded[key]
        built.lock.closed_because = say("{name} was just reloaded with other settings (such as another context "
                                        "size) for another question; ask again", name=slot[0])
        built.backend.close(built.model)
    finally:
        built.lock.release()


def _build(backend: Backend, option: LLMOption, settings: Settings) -> Any:
    try:
        return backend.build(option, settings)
    except LLMUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - a model that fails to load is a message
        url = backend.url(settings) if isinstance(backend, RemoteBackend) else ""
        reason = without_credentials(str(exc), url)
        raise LLMUnavailable(say("{name} failed to load: {reason}", name=option.name, reason=reason)) from exc


def load_llm(name: str, settings: Settings) -> LoadedLLM:
    """The model ``name`` with these settings' generation values; built once per process for its
    ``built_for`` settings, so later calls (any session) return at once."""
    option = _ready_option(name, settings)
    backend = BACKENDS[option.runtime]
    slot = (name, str(option.path or option.url))
    built_for = backend.built_for(settings)
    key = (*slot, built_for, settings.temperature, settings.max_tokens)
    with _lock:
        if key in _loaded:
            return _loaded[key]
        building = _building.setdefault(slot, ModelLock())
    with building:  # only callers of this same model wait here
        with _lock:
            loaded, built = _loaded.get(key), _built.get(slot)
        if loaded is not None:  # built by the caller this one waited for
            return loaded
        if built is not None and built.built_for != built_for:
            _retire(slot, built)
            built = None
        if built is None:
            built = _Built(backend, _build(backend, option, settings), built_for)
            with _lock:
                _built[slot] = built
        loaded = LoadedLLM(name=name, runnable=backend.tune(built.model, option, settings), lock=built.lock)
        with _lock:
            _loaded[key] = loaded
        return loaded
