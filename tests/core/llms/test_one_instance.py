"""One instance per model file: a new context size replaces the loaded model instead of loading a
second copy beside it (each llama.cpp instance holds the weights and a KV cache: gigabytes)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from core.llms import registry
from core.llms.backend import READY, LLMOption, LocalBackend
from core.llms.errors import LLMUnavailable
from core.settings import Settings


class FakeNativeModel(FakeListChatModel):
    """Stands in for ChatLlamaCpp: records its context size and whether it was closed."""

    n_ctx: int = 0
    closed: list[bool] = []  # shared by its tuned copies, like a native client


class FakeLlamaBackend(LocalBackend):
    runtime = "fake-llama"
    packages = ()
    built: list[FakeNativeModel] = []

    def __init__(self, path: Path) -> None:
        self.path = path

    def options(self, settings: Settings, files: list) -> list[LLMOption]:
        return [LLMOption(f"{self.runtime}:tiny", self.runtime, self.path, READY)]

    def build(self, option: LLMOption, settings: Settings) -> Any:
        model = FakeNativeModel(responses=["ok"], n_ctx=settings.context_size, closed=[])
        self.built.append(model)
        return model

    def tune(self, model: Any, option: LLMOption, settings: Settings) -> Any:
        return model.model_copy(update={})

    def close(self, model: Any) -> None:
        model.closed.append(True)


@pytest.fixture
def fake_backend(tmp_path, monkeypatch):
    backend = FakeLlamaBackend(tmp_path / "tiny.gguf")
    backend.built = []
    monkeypatch.setattr(registry, "BACKENDS", {backend.runtime: backend})
    for name in ("_built", "_loaded", "_building"):
        monkeypatch.setattr(registry, name, {})
    registry.forget_listings()
    return backend


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(data_dir=tmp_path, ollama_url="", **values)


def alive(backend: FakeLlamaBackend) -> list[FakeNativeModel]:
    return [m for m in backend.built if not m.closed]


def test_a_new_context_size_replaces_the_instance_and_closes_the_old_one(tmp_path, fake_backend):
    first = registry.load_llm("fake-llama:tiny", settings(tmp_path, context_size=2048))
    assert registry.load_llm("fake-llama:tiny", settings(tmp_path, context_size=2048, temperature=0.7)).lock \
        is first.lock  # another temperature is a cheap copy of the same instance
    for size in (4096, 8192, 2048):
        registry.load_llm("fake-llama:tiny", settings(tmp_path, context_size=size))
        assert [m.n_ctx for m in alive(fake_backend)] == [size]
    assert len(fake_backend.built) == 4 and all(m.closed == [True] for m in fake_backend.built[:3])
    assert len(registry._built) == 1


def test_a_session_still_holding_the_old_model_gets_a_message_not_a_freed_model(tmp_path, fake_backend):
    old = registry.load_llm("fake-llama:tiny", settings(tmp_path, context_size=2048))
    registry.load_llm("fake-llama:tiny", settings(tmp_path, context_size=4096))
    with pytest.raises(LLMUnavailable, match="reloaded with other settings.*ask again"):
        with old.lock:
            old.runnable.invoke("hello")


def test_the_old_instance_is_closed_only_after_the_answer_in_progress(tmp_path, fake_backend):
    old = registry.load_llm("fake-llama:tiny", settings(tmp_path, context_size=2048))
    answering, switched = threading.Event(), threading.Event()
    seen: list[tuple[bool, list]] = []

    def answer() -> None:
        with old.lock:
            answering.set()
            seen.append((switched.wait(0.3), list(fake_backend.built[0].closed)))

    thread = threading.Thread(target=answer)
    thread.start()
    answering.wait()
    registry.load_llm("fake-llama:tiny", settings(tmp_path, context_size=4096))
    switched.set()
    thread.join()
    assert seen == [(False, [])]  # the switch waited for the answer, and the model was open throughout
    assert fake_backend.built[0].closed == [True]
