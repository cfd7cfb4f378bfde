from pathlib import Path

import pytest

from core.settings import Settings, load_settings


def test_environment_overrides_file_overrides_defaults(tmp_path):
    file = tmp_path / "settings.toml"
    file.write_text('chunk_size = 500\nk = 5\ndata_dir = "/srv/docs"\n')
    settings = load_settings({"DOCCHAT_K": "7"}, settings_file=file)
    assert settings.chunk_size == 500
    assert settings.k == 7
    assert settings.data_dir == Path("/srv/docs")
    assert settings.chunk_overlap == Settings().chunk_overlap


def test_unknown_keys_in_the_file_are_an_error(tmp_path):
    file = tmp_path / "settings.toml"
    file.write_text("chunk_sise = 500\n")
    with pytest.raises(ValueError, match="chunk_sise"):
        load_settings({}, settings_file=file)


def test_models_live_in_the_data_dir(tmp_path):
    assert Settings(data_dir=tmp_path).models_dir == tmp_path / "models"
