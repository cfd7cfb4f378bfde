"""The interface every model backend implements, and what local and remote backends share.

A backend is small: it lists what it can run (cheaply: no runtime import, at most one short
HTTP GET), builds a LangChain chat model for one choice (heavy imports inside), and retunes a
built model for other generation settings without loading it again. The registry owns the
caching and the order; the pages and the CLI only ever see ``LLMOption`` and ``LoadedLLM``.
"""

from __future__ import annotations

import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from langchain_core.runnables import Runnable, RunnableConfig, RunnableGenerator

from core.llms.errors import explain
from core.llms.model_files import ModelFile
from core.llms.remote import display_url, is_loopback, probe
from core.llms.states import MISSING, NO_MODELS, NOT_A_SERVER, NOT_INSTALLED, READY, UNSUPPORTED, LLMState
from core.settings import Settings


@dataclass(frozen=True)
class LLMOption:
    name: str  # "<runtime>:<model>", what the picker, the settings and ``--llm`` use
    runtime: str
    path: Path | None
    state: LLMState
    detail: str = ""
    # Remote backends: where questions and passages are sent, as shown (``display_url``: never with the
    # URL's user:password); the backend connects with the configured URL from the settings.
    url: str | None = None

    @property
    def ready(self) -> bool:
        return self.state == READY

    @property
    def model(self) -> str:
        return self.name.partition(":")[2]

    @property
    def leaves_machine(self) -> bool:
        """True when asking this model sends the question and the passages to another machine."""
        return self.url is not None and not is_loopback(self.url)

    def to_json(self) -> dict:
        return {"name": self.name, "runtime": self.runtime, "path": str(self.path) if self.path else None,
                "state": self.state, "detail": self.detail, "url": self.url, "leaves_machine": self.leaves_machine}


class Backend(ABC):
    runtime: ClassVar[str]
    packages: ClassVar[tuple[tuple[str, str], ...]]  # (module to find, pip package that provides it)
    reload_on: ClassVar[tuple[str, ...]] = ()  # settings that need a newly built model when they change
    tuned_fields: ClassVar[tuple[str, str]] = ("temperature", "max_tokens")  # the model's names for them

    def built_for(self, settings: Settings) -> tuple:
        """What a built model depends on beyond its name: when this changes, the model is built again."""
        return tuple(getattr(settings, f) for f in self.reload_on)

    def missing(self, packages: tuple[tuple[str, str], ...] | None = None) -> str:
        """``pip install …`` for the packages that are not installed; "" when all are (no import)."""
        absent = [pip for module, pip in (packages or self.packages) if importlib.util.find_spec(module) is None]
        return f"pip install {' '.join(absent)}" if absent else ""

    @abstractmethod
    def options(self, settings: Settings, files: list[ModelFile]) -> list[LLMOption]:
        """What this backend could answer with, each with an honest state. Must be quick."""

    @abstractmethod
    def listed_from(self, settings: Settings) -> tuple:
        """The settings ``options`` reads: two settings with the same value list the same models, so
        the registry may reuse a listing for a few seconds (``registry.LISTING_TTL``)."""

    @abstractmethod
    def build(self, option: LLMOption, settings: Settings) -> Any:
        """The LangChain chat model for a ready option: the slow part, done once per ``reload_on``."""

    def tune(self, model: Any, option: LLMOption, settings: Settings) -> Runnable:
        """A cheap copy of a built model with this session's temperature and answer length
        (``model_copy`` is shallow: the loaded weights or the HTTP client are shared)."""
        temperature, max_tokens = self.tuned_fields
        return model.model_copy(update={temperature: settings.temperature, max_tokens: settings.max_tokens})

    def close(self, model: Any) -> None:  # noqa: B027 - most backends hold nothing to free
        """Free native resources before interpreter teardown (llama-cpp-python errors if left to __del__)."""


class LocalBackend(Backend):
    """A runtime in this process that reads model files (GGUF, or a transformers folder)."""

    formats: ClassVar[tuple[str, ...]] = ("gguf",)
    reload_on: ClassVar[tuple[str, ...]] = ("context_size", "threads")

    def unsupported(self, file: ModelFile) -> str:
        """Why this runtime cannot load a file it would otherwise accept ("" when it can)."""
        return ""

    def extra_packages(self, file: ModelFile) -> tuple[tuple[str, str], ...]:
        return ()

    def listed_from(self, settings: Settings) -> tuple:
        return (settings.models_dir, settings.model_paths)

    def options(self, settings: Settings, files: list[ModelFile]) -> list[LLMOption]:
        options = []
        for file in files:
            if file.format not in self.formats:
                continue
            state: LLMState = READY
            detail = ""
            if not file.path.exists():
                state, detail = MISSING, file.hint or f"{file.path} not found"
            elif missing := self.missing(self.packages + self.extra_packages(file)):
                state, detail = NOT_INSTALLED, missing
            elif why := self.unsupported(file):
                state, detail = UNSUPPORTED, why
            options.append(LLMOption(f"{self.runtime}:{file.stem}", self.runtime, file.path, state, detail))
        return options

    def close(self, model: Any) -> None:
        close = getattr(getattr(model, "client", None), "close", None)
        if close:
            close()


class RemoteBackend(Backend):
    """A server the user configured by URL. Listed only when that URL is set."""

    url_setting: ClassVar[str]
    listing_path: ClassVar[str]  # GET this to learn the server's models
    reload_on: ClassVar[tuple[str, ...]] = ("llm_timeout",)

    def url(self, settings: Settings) -> str:
        """The configured URL, user info included: for connecting only, never for an ``LLMOption``
        or a message (``display_url``)."""
        return str(getattr(settings, self.url_setting)).strip().rstrip("/")

    def built_for(self, settings: Settings) -> tuple:
        """The configured URL too (its user info may change while the shown URL does not)."""
        return (*super().built_for(settings), self.url(settings))

    def headers(self, url: str) -> dict[str, str]:
        return {}

    def listed_from(self, settings: Settings) -> tuple:
        """The URL and what is sent with it (an API key set in the environment may change what it lists)."""
        url = self.url(settings)
        return (url, tuple(sorted(self.headers(url).items())))

    @abstractmethod
    def model_names(self, data: Any, url: str) -> list[tuple[str, str]]:
        """(model, detail) pairs from the listing's JSON; raises KeyError/TypeError if it is not one."""

    def options(self, settings: Settings, files: list[ModelFile]) -> list[LLMOption]:
        url = self.url(settings)
        if not url:
            return []
        shown = display_url(url)
        if missing := self.missing():
            return [LLMOption(f"{self.runtime}:*", self.runtime, None, NOT_INSTALLED, missing, shown)]
        listing = probe(url + self.listing_path, self.headers(url))
        if listing.state is not None:
            return [LLMOption(f"{self.runtime}:*", self.runtime, None, listing.state, listing.detail, shown)]
        try:
            names = self.model_names(listing.data, url)
        except (KeyError, TypeError, AttributeError):
            return [LLMOption(f"{self.runtime}:*", self.runtime, None, NOT_A_SERVER,
                              f"{shown}{self.listing_path} is not a {self.runtime} model list", shown)]
        if not names:
            return [LLMOption(f"{self.runtime}:*", self.runtime, None, NO_MODELS, f"{shown} lists no models", shown)]
        return [LLMOption(f"{self.runtime}:{model}", self.runtime, None, READY, detail, shown)
                for model, detail in names]

    def tune(self, model: Any, option: LLMOption, settings: Settings) -> Runnable:
        return guarded(super().tune(model, option, settings), option.name, self.url(settings), settings.llm_timeout)


def guarded(model: Runnable, name: str, url: str, timeout: float) -> Runnable:
    """``model`` with every client error turned into a clear ``LLMUnavailable`` (server down,
    unknown model, timeout, a stream that is not the expected format), still streaming. ``url`` is
    the configured one, so its password can be taken out of the client's message."""

    def transform(inputs: Iterator[Any], config: RunnableConfig) -> Iterator[Any]:
        try:
            yield from model.transform(inputs, config)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one readable message
            raise explain(exc, name, url, timeout) from exc

    # langchain passes the run's config to a transform that takes one; its stubs only know (inputs)
    return RunnableGenerator(transform, name=name)  # type: ignore[arg-type]


def split_at_stop(buffer: str, markers: tuple[str, ...]) -> tuple[str, str, bool]:
    """(text safe to emit, text to hold back, stop reached) for a streamed buffer: a runtime that may
    write a stop marker out (gpt4all, TGI's text route) cuts the answer there, and a tail that may be
    the start of one is held back until the next token says whether it is."""
    cuts = [buffer.find(m) for m in markers if m in buffer]
    if cuts:
        return buffer[: min(cuts)], "", True
    for start in range(max(0, len(buffer) - max(map(len, markers), default=0)), len(buffer)):
        if any(m.startswith(buffer[start:]) for m in markers):
            return buffer[:start], buffer[start:], False
    return buffer, "", False
