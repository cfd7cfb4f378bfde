"""Remote backends in the picker: states from real loopback servers (tests/llm_servers.py), the
loopback rule behind the sidebar's warning, and where secrets may go."""

import time

import pytest

from core.llms import registry, remote
from core.llms.backend import LLMOption
from core.llms.hf_endpoint_backend import hf_token
from core.llms.openai_backend import OpenAIBackend, api_key
from core.settings import Settings
from tests.llm_servers import FakeServer, OllamaHandler, OpenAIHandler, TGIHandler, closed_port_url


@pytest.fixture(autouse=True)
def fresh_listings():
    registry.forget_listings()
    yield
    registry.forget_listings()


def remote_options(**urls) -> list[LLMOption]:
    settings = Settings(**{"ollama_url": "", **urls})
    return [o for o in registry.available_llms(settings) if o.url is not None]


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://localhost:11434", True), ("http://127.0.0.1:8080/v1", True), ("http://127.5.6.7", True),
    ("http://[::1]:8000", True), ("https://LOCALHOST", True), ("localhost:11434", True),
    ("http://app.localhost", True), ("http://192.168.1.20:11434", False), ("https://api.openai.com/v1", False),
    ("http://[2001:db8::1]", False), ("http://localhost.example.com", False), ("http://127.0.0.1.nip.io", False),
    ("", False),
])
def test_is_loopback(url, loopback):
    assert remote.is_loopback(url) is loopback


def test_remote_backends_are_listed_only_when_configured():
    assert remote_options() == []


def test_a_server_that_is_down_is_one_honest_row():
    url = closed_port_url()
    [row] = remote_options(ollama_url=url)
    assert (row.name, row.state, row.ready) == ("ollama:*", "server not reachable", False)
    assert url in row.detail
    with pytest.raises(registry.LLMUnavailable, match="server not reachable"):
        registry.load_llm("ollama:llama3.2", Settings(ollama_url=url))


def test_each_server_lists_its_models():
    with (FakeServer(OllamaHandler, ["tiny:latest", "qwen2.5:1.5b"]) as ollama,
          FakeServer(OpenAIHandler, ["smollm2"]) as openai,
          FakeServer(TGIHandler, ["HuggingFaceTB/SmolLM2-135M-Instruct"]) as tgi):
        rows = {o.name: o for o in remote_options(ollama_url=ollama.url, openai_url=openai.url,
                                                  hf_endpoint_url=tgi.url + "/")}
    tgi_name = "hf-endpoint:" + tgi.url.removeprefix("http://")
    assert set(rows) == {"ollama:tiny:latest", "ollama:qwen2.5:1.5b", "openai:smollm2", tgi_name}
    assert all(o.ready and not o.leaves_machine for o in rows.values())
    assert rows["openai:smollm2"].url == openai.url + "/v1"  # a bare URL gets the API's /v1
    assert rows[tgi_name].detail == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert rows["ollama:tiny:latest"].model == "tiny:latest"


def test_listings_are_cached_for_a_few_seconds():
    with FakeServer(OllamaHandler, ["tiny:latest"]) as server:
        url = server.url
        assert remote_options(ollama_url=url)[0].ready
    assert remote_options(ollama_url=url)[0].ready  # the server is gone, the listing is still fresh
    assert server.gets == ["/api/tags"]  # asked once
    remote._probes.expire(time.monotonic() + remote.PROBE_TTL)  # as if PROBE_TTL seconds had passed
    assert remote_options(ollama_url=url)[0].state == "server not reachable"


def test_a_model_the_server_does_not_list_is_unknown():
    with FakeServer(OllamaHandler, ["tiny:latest"]) as server:
        with pytest.raises(registry.LLMUnavailable, match="unknown model 'ollama:nope'.*ollama:tiny:latest"):
            registry.load_llm("ollama:nope", Settings(ollama_url=server.url))


def test_a_server_that_is_not_the_expected_kind_says_so():
    with FakeServer(TGIHandler, ["x"]) as not_ollama:
        [row] = remote_options(ollama_url=not_ollama.url)
    assert row.state == "unexpected answer" and "HTTP 404" in row.detail


def test_a_server_with_no_models_says_so():
    with FakeServer(OllamaHandler, []) as server:
        [row] = remote_options(ollama_url=server.url)
    assert row.state == "no models"


def test_a_url_that_is_not_loopback_is_marked_as_leaving_the_machine():
    option = LLMOption("openai:gpt", "openai", None, "ready", url="https://api.example.com/v1")
    assert option.leaves_machine and option.to_json()["leaves_machine"] is True
    assert not LLMOption("ollama:x", "ollama", None, "ready", url="http://localhost:11434").leaves_machine


def test_secrets_only_go_where_they_belong(monkeypatch):
    monkeypatch.delenv("DOCCHAT_OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    assert api_key("https://api.openai.com/v1") == "sk-openai"
    assert api_key("http://localhost:8080/v1") is None  # an OpenAI key is never sent elsewhere
    monkeypatch.setenv("DOCCHAT_OPENAI_API_KEY", "local-key")
    assert api_key("http://localhost:8080/v1") == "local-key"
    assert OpenAIBackend().headers("http://localhost:8080/v1") == {"Authorization": "Bearer local-key"}
    assert hf_token("https://abc.us-east-1.aws.endpoints.huggingface.cloud") == "hf_secret"
    assert hf_token("https://router.huggingface.co/v1") == "hf_secret"
    assert hf_token("http://10.0.0.5:8080") is None
    assert hf_token("https://huggingface.cloud.evil.example") is None
