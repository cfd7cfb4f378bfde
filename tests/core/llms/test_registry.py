import pytest

from core.llms import registry
from core.llms.gpt4all_backend import split_at_stop
from core.llms.model_files import DEFAULT_GGUF
from core.settings import Settings


def test_every_runtime_is_listed_with_an_honest_state(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "DEFAULT_MODELS_DIR", tmp_path / "nowhere")
    options = {o.name: o for o in registry.available_llms(Settings(data_dir=tmp_path))}
    stem = DEFAULT_GGUF.removesuffix(".gguf")
    assert options[f"llama.cpp:{stem}"].state == "model file missing"
    assert options[f"gpt4all:{stem}"].state == "model file missing"
    smol = [o for o in options.values() if "smollm2" in o.name]
    if smol:  # the tiny test model is installed with the dev requirements
        states = {o.runtime: o.state for o in smol}
        assert states == {"llama.cpp": "ready", "gpt4all": "unsupported"}


def test_a_gguf_in_the_models_folder_is_offered_by_both_runtimes(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "DEFAULT_MODELS_DIR", tmp_path / "nowhere")
    settings = Settings(data_dir=tmp_path)
    settings.models_dir.mkdir(parents=True)
    (settings.models_dir / "My-Model.Q4.gguf").write_bytes(b"GGUF")
    names = {o.name for o in registry.available_llms(settings)}
    assert {"llama.cpp:my-model.q4", "gpt4all:my-model.q4"} <= names


def test_unknown_or_unready_models_raise_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "DEFAULT_MODELS_DIR", tmp_path / "nowhere")
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(registry.LLMUnavailable, match="unknown model"):
        registry.load_llm("llama.cpp:nope", settings)
    with pytest.raises(registry.LLMUnavailable, match="model file missing"):
        registry.load_llm(settings.llm, settings)


@pytest.mark.parametrize(
    ("buffer", "expected"),
    [
        ("Hello", ("Hello", "", False)),
        ("Hello<|im", ("Hello", "<|im", False)),
        ("Hello<|im_end|> junk", ("Hello", "", True)),
        ("a < b", ("a < b", "", False)),
        ("done<|endoftext|>", ("done", "", True)),
    ],
)
def test_gpt4all_stream_stops_at_chatml_markers(buffer, expected):
    assert split_at_stop(buffer) == expected
