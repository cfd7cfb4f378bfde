"""Load (issue 7): many users of one process at once. Eight threads ingest, search and ask through
one ``DocChat`` and one in-process model; eight Streamlit sessions ask at the same moment. Nothing
may fail or deadlock, every document must land, the model must answer one question at a time, and
a session that finds the model busy must say it is waiting instead of failing.

The sessions are Streamlit ``AppTest`` instances run from eight threads at once. AppTest is not
made for that: each ``run`` installs a mock ``Runtime`` and patches ``config.get_option`` for its
duration, so overlapping runs overwrite each other's. The chat page needs neither (what its
sessions share lives in process-wide caches, ``st.cache_resource`` and the model registry, as in
the real server), so the runs work; the ``apptest_globals`` fixture puts both globals back
afterwards so no later test sees them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st

from core.llms.registry import load_llm
from core.service import DocChat
from core.settings import Settings, load_settings
from tests.integration.topics import TOPICS, topic_text

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
MODEL = "all-MiniLM-L6-v2"
JOIN_TIMEOUT_S = 240  # a deadlock shows as a thread still alive after this
WAITING = "Waiting for the model"


def document(name: str) -> bytes:
    return topic_text(name, notes=6).encode()


def run_all(work: Callable[[int], None], count: int) -> None:
    """``work(i)`` in ``count`` threads released together; any exception or hang fails the test."""
    start = threading.Barrier(count)
    errors: dict[int, BaseException] = {}

    def target(i: int) -> None:
        try:
            start.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - reported below, with its thread
            errors[i] = exc

    threads = [threading.Thread(target=target, args=(i,), name=f"user {i}", daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT_S
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not [t.name for t in threads if t.is_alive()], "deadlock: threads still running"
    for i, exc in errors.items():
        raise AssertionError(f"thread {i} failed: {exc!r}") from exc


# -- (a) one DocChat, eight threads -----------------------------------------------------------------
def test_eight_threads_ingest_search_and_answer_through_one_docchat(tmp_path, real_embeddings, tiny_llm_name):
    settings = Settings(data_dir=tmp_path / "data", embedding_model=MODEL, chunk_size=300, chunk_overlap=30, k=2,
                        llm=tiny_llm_name, max_tokens=24)
    app = DocChat(settings, embeddings=real_embeddings)
    model = load_llm(tiny_llm_name, settings)
    names = list(TOPICS)
    streamed: dict[int, tuple[float, float]] = {}  # first and last token, while the thread holds the model
    found_busy: list[int] = []
    answers: dict[int, str] = {}

    def user(i: int) -> None:
        name, question = names[i], TOPICS[names[i]][1]
        result = app.ingest_file(name, document(name))
        assert result.ok, result.message
        hits = app.search(question)
        assert hits and hits[0].source == name, f"{question!r} found {[h.source for h in hits]}"
        answer = app.engine(model).answer(question)
        assert answer.found and answer.sources[0].source == name
        if model.busy():
            found_busy.append(i)
        tokens, first = [], 0.0
        for token in answer.tokens:
            if not tokens:
                first = time.monotonic()
                assert model.busy(), "a token came without the model's lock held"
            tokens.append(token)
        streamed[i] = (first, time.monotonic())
        answers[i] = "".join(tokens)

    run_all(user, len(names))

    assert all(text.strip() for text in answers.values()) and len(answers) == len(names)
    spans = sorted(streamed.values())
    overlaps = [(a, b) for a, b in zip(spans, spans[1:], strict=False) if b[0] < a[1]]
    assert not overlaps, "two answers streamed at the same time from one model"
    assert found_busy, "no thread ever found the model busy: the test did not create contention"
    assert not model.busy()
    library = app.store
    assert sorted(d.name for d in library.documents()) == sorted(names)
    assert all(d.chunks > 0 for d in library.documents())
    assert library.vector_count() == library.chunk_count()


# -- (b) eight Streamlit sessions --------------------------------------------------------------------
@pytest.fixture
def apptest_globals(monkeypatch) -> Iterator[None]:
    """Restore what overlapping ``AppTest.run`` calls leave behind (see the module docstring)."""
    from streamlit import config
    from streamlit.runtime import Runtime

    monkeypatch.setattr(config, "get_option", config.get_option)  # undone at teardown: the original
    yield
    Runtime._instance = None


@pytest.fixture
def library_for_sessions(tmp_path, monkeypatch, real_embeddings, apptest_globals) -> Iterator[Path]:
    """The eight documents in a library the pages find through DOCCHAT_* (as in tests/pages)."""
    data = tmp_path / "data"
    for key, value in {"DATA_DIR": str(data), "EMBEDDING_MODEL": MODEL, "LLM": "llama.cpp:smollm2-135m-instruct.q4_1",
                       "MAX_TOKENS": "24", "K": "2", "CHUNK_SIZE": "300", "CHUNK_OVERLAP": "30",
                       "SETTINGS": str(tmp_path / "no-settings.toml")}.items():
        monkeypatch.setenv(f"DOCCHAT_{key}", value)
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    st.cache_data.clear()
    app = DocChat(load_settings(), embeddings=real_embeddings)
    for name in TOPICS:
        assert app.ingest_file(name, document(name)).ok
    yield data
    st.cache_resource.clear()


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    """Every status label and caption a page put on screen, also those replaced later in the same
    run: AppTest keeps only the final tree, and the first answer token clears the waiting notice."""
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.elements.lib.mutable_status_container import StatusContainer

    texts: list[str] = []
    real_update, real_caption = StatusContainer.update, DeltaGenerator.caption

    def update(self, *, label=None, **kwargs):
        if label:
            texts.append(label)
        return real_update(self, label=label, **kwargs)

    def caption(self, body, *args, **kwargs):
        texts.append(str(body))
        return real_caption(self, body, *args, **kwargs)

    monkeypatch.setattr(StatusContainer, "update", update)
    monkeypatch.setattr(DeltaGenerator, "caption", caption)
    return texts


def chat_session(question: str):
    """A fresh browser session on the Chat page that asks ``question``; returns the AppTest."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "1_Chat.py"), default_timeout=JOIN_TIMEOUT_S).run()
    assert not at.exception, [e.value for e in at.exception]
    # Once (stop 27, under extra load) a session's first run drew no chat input and raised nothing: say what
    # it drew instead, so the next occurrence names its cause.
    assert at.chat_input, {"info": [e.value for e in at.info], "warning": [e.value for e in at.warning],
                           "error": [e.value for e in at.error], "title": [e.value for e in at.title]}
    at.chat_input[0].set_value(question).run()
    return at


def assert_answered_alone(at, name: str) -> None:
    """The session shows its own question and one answer from its own document, and nothing else."""
    question = TOPICS[name][1]
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    messages = at.session_state.messages
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["content"] == question
    assert messages[1]["content"].strip() and not messages[1]["content"].startswith("*(")
    assert messages[1]["sources"][0]["source"] == name
    assert [m.name for m in at.chat_message] == ["user", "assistant"]


def test_eight_sessions_asking_at_once_each_get_their_own_answer(library_for_sessions, shown):
    names = list(TOPICS)
    sessions: dict[int, object] = {}

    def ask(i: int) -> None:
        sessions[i] = chat_session(TOPICS[names[i]][1])

    run_all(ask, len(names))
    for i, name in enumerate(names):
        assert_answered_alone(sessions[i], name)
    assert any(WAITING in text for text in shown), "eight questions at once, yet no session waited"


def test_a_busy_model_shows_waiting_then_answers(library_for_sessions, shown):
    """Another session holds the model: this one says it is waiting (no error) and answers after."""
    settings = load_settings()
    model = load_llm(settings.llm, settings)  # its lock is the one every session's copy of the model holds
    sessions: dict[int, object] = {}
    with model.lock:  # another question is being answered
        asker = threading.Thread(target=lambda: sessions.setdefault(0, chat_session(TOPICS["orchard.txt"][1])),
                                 daemon=True)
        asker.start()
        deadline = time.monotonic() + JOIN_TIMEOUT_S
        while not any(WAITING in text for text in shown) and asker.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(WAITING in text for text in shown), f"no waiting notice; the page showed {shown}"
        assert asker.is_alive(), "the session finished while the model was held"
    asker.join(timeout=JOIN_TIMEOUT_S)
    assert not asker.is_alive(), "the session never got the model after it was released"
    assert_answered_alone(sessions[0], "orchard.txt")
