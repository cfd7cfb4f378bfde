"""`watch add`, `watch list` and `watch remove`: the watch list is this machine's configuration, kept in
the data dir, refused where it would make a file belong to two folders or read the library itself."""

from __future__ import annotations

import json
from pathlib import Path

from core.watch.config import WATCH_FILE, load_folders
from tests.core.watch.helpers import watch_cli, write


def test_add_list_remove(app, tmp_path, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    assert watch_cli(app, "add", str(docs), "--collection", "work", "--glob", "*.pdf", "--glob", "*.md") == 0
    assert f"watching {docs.resolve()} (collection work; only *.pdf, *.md)" in capsys.readouterr().out
    assert watch_cli(app, "list", "--json") == 0
    [folder] = json.loads(capsys.readouterr().out)["folders"]
    assert folder["path"] == str(docs.resolve()) and folder["collection"] == "work"
    assert folder["globs"] == ["*.pdf", "*.md"] and folder["documents"] == 0 and folder["failed"] == []
    assert watch_cli(app, "list") == 0
    assert str(docs.resolve()) in capsys.readouterr().out
    assert watch_cli(app, "remove", str(docs)) == 0
    assert "its documents stay in the library" in capsys.readouterr().out
    assert load_folders(app.settings.data_dir) == []
    assert watch_cli(app, "remove", str(docs)) == 1
    assert "is not watched" in capsys.readouterr().err


def test_adding_a_folder_again_updates_it(app, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    watch_cli(app, "add", str(docs), "--collection", "a")
    watch_cli(app, "add", str(docs / ".." / "docs"), "--collection", "b")
    [folder] = load_folders(app.settings.data_dir)
    assert folder.collection == "b"


def test_a_folder_that_is_gone_can_still_be_removed(app, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    watch_cli(app, "add", str(docs))
    docs.rmdir()
    assert watch_cli(app, "remove", str(docs)) == 0
    assert load_folders(app.settings.data_dir) == []


def test_refused_folders(app, tmp_path, capsys):
    outer = tmp_path / "outer"
    (outer / "inner").mkdir(parents=True)
    write(tmp_path / "file.txt", "not a folder")
    assert watch_cli(app, "add", str(tmp_path / "file.txt")) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert watch_cli(app, "add", str(tmp_path / "nowhere")) == 2
    assert watch_cli(app, "add", str(app.settings.data_dir.parent)) == 2  # around the library
    assert "holds the library itself" in capsys.readouterr().err
    assert watch_cli(app, "add", str(outer)) == 0
    assert watch_cli(app, "add", str(outer / "inner")) == 2
    assert "overlaps the watched folder" in capsys.readouterr().err
    assert [f.path for f in load_folders(app.settings.data_dir)] == [str(outer.resolve())]


def test_a_damaged_watch_list_is_reported_and_left_alone(app, tmp_path, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    app.settings.data_dir.mkdir(parents=True)
    damaged = app.settings.data_dir / WATCH_FILE
    damaged.write_text("{not json", encoding="utf-8")
    assert watch_cli(app, "add", str(docs)) == 2
    assert "is damaged" in capsys.readouterr().err
    assert watch_cli(app, "list") == 2
    assert damaged.read_text(encoding="utf-8") == "{not json"  # the user's configuration is never overwritten


def test_the_watch_list_is_private_json(app, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    watch_cli(app, "add", str(docs))
    path: Path = app.settings.data_dir / WATCH_FILE
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1
    assert path.stat().st_mode & 0o777 == 0o600
