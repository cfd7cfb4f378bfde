"""A server URL may carry a password (``http://user:password@host``); it is used to connect but
never shown: not in the picker's records, not in ``python -m core models``, not in error messages."""

from __future__ import annotations

import json

import pytest

from core.llms import registry
from core.llms.backend import LLMOption
from core.llms.errors import explain
from core.llms.remote import display_url, without_credentials
from core.settings import Settings
from tests.llm_servers import FakeServer, OllamaHandler, OpenAIHandler, TGIHandler, closed_port_url

USER, PASSWORD = "alice", "s3cret-pw"


def with_password(url: str) -> str:
    return url.replace("http://", f"http://{USER}:{PASSWORD}@")


@pytest.fixture(autouse=True)
def fresh_listings():
    registry.forget_listings()
    yield
    registry.forget_listings()


@pytest.mark.parametrize(("url", "shown"), [
    ("http://alice:s3cret@gpu.lan:11434/v1", "http://gpu.lan:11434/v1"),
    ("https://token@api.example.com/v1?x=1#top", "https://api.example.com/v1?x=1#top"),
    ("http://a%40b:p%3Aw@[::1]:8080", "http://[::1]:8080"),
    ("alice:s3cret@gpu.lan:11434", "gpu.lan:11434"),
    ("http://gpu.lan:11434", "http://gpu.lan:11434"),
    ("http://[::1", "(invalid URL)"),
    ("", ""),
])
def test_display_url_drops_user_info_only(url, shown):
    assert display_url(url) == shown


def test_free_text_loses_the_password_however_it_is_quoted():
    url = "http://alice:p%40ss-word@gpu.lan"
    text = "Client error for url 'http://alice:p%40ss-word@gpu.lan/api' (user alice:p@ss-word)"
    cleaned = without_credentials(text, url)
    assert "p%40ss-word" not in cleaned and "p@ss-word" not in cleaned and "gpu.lan/api" in cleaned
    assert without_credentials("Connection refused", "http://gpu.lan") == "Connection refused"


def shown_text(options: list[LLMOption]) -> str:
    return json.dumps([o.to_json() for o in options]) + repr(options)


def test_listed_models_never_carry_the_password():
    with (FakeServer(OllamaHandler, ["tiny:latest"]) as ollama, FakeServer(OpenAIHandler, ["smollm2"]) as openai,
          FakeServer(TGIHandler, ["HuggingFaceTB/SmolLM2-135M-Instruct"]) as tgi):
        options = [o for o in registry.available_llms(Settings(
            ollama_url=with_password(ollama.url), openai_url=with_password(openai.url),
            hf_endpoint_url=with_password(tgi.url))) if o.url]
    assert {o.state for o in options} == {"ready"}  # the URL with its password still connects
    assert {o.url for o in options} == {ollama.url, openai.url + "/v1", tgi.url}
    assert PASSWORD not in shown_text(options) and USER not in shown_text(options)


def test_unreachable_servers_and_failed_answers_never_show_the_password():
    url = with_password(closed_port_url())
    settings = Settings(ollama_url=url, openai_url=url, hf_endpoint_url=url)
    options = [o for o in registry.available_llms(settings) if o.url]
    assert len(options) == 3 and {o.state for o in options} == {"server not reachable"}
    assert PASSWORD not in shown_text(options)
    with pytest.raises(registry.LLMUnavailable) as failed:
        registry.load_llm("ollama:tiny", Settings(ollama_url=url))
    assert PASSWORD not in str(failed.value) and display_url(url) in str(failed.value)


def test_a_client_error_that_quotes_the_url_is_explained_without_the_password():
    import httpx

    url = with_password("http://gpu.lan:11434")
    request = httpx.Request("POST", url + "/api/chat")
    error = httpx.HTTPStatusError(f"Server error '500' for url '{request.url}'", request=request,
                                  response=httpx.Response(500, request=request))
    for exc in (error, httpx.ConnectError(f"cannot connect to {url}"), RuntimeError(f"odd reply from {url}")):
        message = str(explain(exc, "ollama:tiny", url, 5))
        assert PASSWORD not in message and USER not in message and "gpu.lan:11434" in message


def test_an_answer_through_a_url_with_a_password_streams_and_fails_cleanly():
    with FakeServer(OllamaHandler, ["tiny:latest"], mode="missing") as server:
        model = registry.load_llm("ollama:tiny:latest", Settings(ollama_url=with_password(server.url)))
        with pytest.raises(registry.LLMUnavailable) as failed:
            "".join(str(chunk.content) for chunk in model.runnable.stream("hello"))
    assert "404" in str(failed.value) and PASSWORD not in str(failed.value)


def test_the_models_command_prints_no_password(tmp_path, monkeypatch, capsys):
    from core.cli import main

    with FakeServer(OllamaHandler, ["tiny:latest"]) as server:
        monkeypatch.setenv("DOCCHAT_OLLAMA_URL", with_password(server.url))
        monkeypatch.setenv("DOCCHAT_DATA_DIR", str(tmp_path))
        for argv in (["models"], ["models", "--json"]):
            assert main(argv) == 0
    out = capsys.readouterr().out
    assert "ollama:tiny:latest" in out and server.url in out and PASSWORD not in out


def test_the_picker_shows_the_host_without_user_info():
    from ui.model_picker import host

    option = LLMOption("ollama:x", "ollama", None, "ready", url=with_password("http://gpu.lan:11434"))
    assert host(option) == "gpu.lan:11434"
