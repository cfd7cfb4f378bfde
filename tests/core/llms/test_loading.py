"""Loading one model never blocks another: a model is built under its own lock, not the registry's.

The fake backend's build waits on an event the test holds, so "A is still being built" is a fact
the test controls. Threads are synchronised with events and lock queue counts; a wait that runs out
of ``PATIENCE_S`` is a deadlock, never a timing measurement."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cachetools import TTLCache
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from core.llms import registry
from core.llms.backend import READY, LLMOption, LocalBackend
from core.llms.errors import LLMUnavailable
from core.llms.loaded import LoadedLLM
from core.settings import Settings

PATIENCE_S = 30


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, "the other thread never got there"
        time.sleep(0.001)


class GatedBackend(LocalBackend):
    """Two models, "a" and "b"; building one waits until the test opens its gate."""

    runtime = "gated"
    packages = ()

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started = {m: threading.Event() for m in "ab"}
        self.gate = {m: threading.Event() for m in "ab"}
        self.builds: list[str] = []
        self.listings = 0
        self.fail_next = False

    def options(self, settings: Settings, files: list) -> list[LLMOption]:
        self.listings += 1
        return [LLMOption(f"gated:{m}", self.runtime, self.folder / f"{m}.gguf", READY) for m in "ab"]

    def build(self, option: LLMOption, settings: Settings) -> Any:
        self.builds.append(option.model)
        self.started[option.model].set()
        assert self.gate[option.model].wait(PATIENCE_S)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("weights are damaged")
        return FakeListChatModel(responses=["ok"])

    def tune(self, model: Any, option: LLMOption, settings: Settings) -> Any:
        return model


class Load(threading.Thread):
    """``load_llm`` in a thread; ``result`` is its model or the exception it raised."""

    def __init__(self, name: str, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.args_ = (name, settings)
        self.result: LoadedLLM | BaseException | None = None

    def run(self) -> None:
        try:
            self.result = registry.load_llm(*self.args_)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.result = exc

    def finished(self) -> LoadedLLM:
        self.join(PATIENCE_S)
        assert not self.is_alive(), "load_llm never returned"
        assert isinstance(self.result, LoadedLLM), self.result
        return self.result


@pytest.fixture
def backend(tmp_path, monkeypatch) -> GatedBackend:
    gated = GatedBackend(tmp_path)
    monkeypatch.setattr(registry, "BACKENDS", {gated.runtime: gated})
    for name in ("_built", "_loaded", "_building"):
        monkeypatch.setattr(registry, name, {})
    monkeypatch.setattr(registry, "_found", TTLCache(maxsize=registry.LISTING_CACHE_SIZE, ttl=registry.LISTING_TTL))
    yield gated
    for gate in gated.gate.values():  # never leave a build thread waiting
        gate.set()


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(data_dir=tmp_path, ollama_url="", **values)


def test_a_slow_build_does_not_block_another_model_or_a_built_one(tmp_path, backend):
    backend.gate["b"].set()
    built_b = registry.load_llm("gated:b", settings(tmp_path))
    slow_a = Load("gated:a", settings(tmp_path))
    slow_a.start()
    assert backend.started["a"].wait(PATIENCE_S)  # A is being built, and stays so until its gate opens

    other_session = Load("gated:b", settings(tmp_path, temperature=0.7))  # a new copy of the built B
    other_session.start()
    assert other_session.finished().lock is built_b.lock
    assert {o.name for o in registry.available_llms(settings(tmp_path))} == {"gated:a", "gated:b"}
    assert slow_a.is_alive() and not backend.gate["a"].is_set()  # all of that happened while A was building

    backend.gate["a"].set()
    assert slow_a.finished().name == "gated:a"
    assert backend.builds == ["b", "a"]


def test_two_sessions_asking_for_the_same_model_build_it_once(tmp_path, backend):
    first, second = Load("gated:a", settings(tmp_path)), Load("gated:a", settings(tmp_path))
    first.start()
    assert backend.started["a"].wait(PATIENCE_S)
    second.start()
    building = registry._building[("gated:a", str(tmp_path / "a.gguf"))]
    until(lambda: building.waiting() == 1)  # the second waits for the first's build, not for nothing
    backend.gate["a"].set()
    assert first.finished() is second.finished()
    assert backend.builds == ["a"]


def test_a_rebuild_waiting_for_an_answer_does_not_block_another_model(tmp_path, backend):
    backend.gate["a"].set()
    backend.gate["b"].set()
    old = registry.load_llm("gated:a", settings(tmp_path, context_size=2048))
    answering, done = threading.Event(), threading.Event()

    def answer() -> None:
        with old.lock:
            answering.set()
            done.wait(PATIENCE_S)

    asker = threading.Thread(target=answer, daemon=True)
    asker.start()
    assert answering.wait(PATIENCE_S)
    rebuild = Load("gated:a", settings(tmp_path, context_size=4096))  # must wait for the answer to finish
    rebuild.start()
    until(lambda: old.lock.waiting() == 1)
    other = Load("gated:b", settings(tmp_path))
    other.start()
    assert other.finished().name == "gated:b"
    assert rebuild.is_alive()
    done.set()
    assert rebuild.finished().lock is not old.lock
    assert backend.builds == ["a", "b", "a"]


def test_a_failed_build_is_a_message_and_the_next_call_builds_again(tmp_path, backend):
    backend.gate["a"].set()
    backend.fail_next = True
    with pytest.raises(LLMUnavailable, match="gated:a failed to load: weights are damaged"):
        registry.load_llm("gated:a", settings(tmp_path))
    assert registry.load_llm("gated:a", settings(tmp_path)).name == "gated:a"
    assert backend.builds == ["a", "a"]


def test_the_listing_is_reused_for_a_few_seconds_not_redone_on_every_call(tmp_path, backend):
    backend.gate["a"].set()
    for temperature in (0.1, 0.5, 0.9):  # three sessions' copies: one listing
        registry.load_llm("gated:a", settings(tmp_path, temperature=temperature))
    assert backend.listings == 1
    registry._found.expire(time.monotonic() + registry.LISTING_TTL)  # as if LISTING_TTL seconds had passed
    registry.load_llm("gated:a", settings(tmp_path))
    assert backend.listings == 2
    registry.load_llm("gated:a", settings(tmp_path / "other"))  # other settings are listed on their own
    assert backend.listings == 3
